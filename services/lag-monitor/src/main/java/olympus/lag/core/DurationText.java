package olympus.lag.core;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Durations as people type them in a query string or a setting: "250ms", "2s", "1.5s", "1m", or bare seconds "2". */
public final class DurationText {
    private DurationText() {}

    public static double toMillis(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty duration");
        }
        String t = text.strip().toLowerCase(Locale.ROOT);
        double factor;
        String number;
        if (t.endsWith("ms")) {
            factor = 1;
            number = t.substring(0, t.length() - 2);
        } else if (t.endsWith("s")) {
            factor = 1000;
            number = t.substring(0, t.length() - 1);
        } else if (t.endsWith("m")) {
            factor = 60_000;
            number = t.substring(0, t.length() - 1);
        } else {
            factor = 1000;
            number = t;
        }
        double v;
        try {
            v = Double.parseDouble(number.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (use e.g. 500ms, 2s, 1.5)");
        }
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("'" + text + "' is not a non-negative duration");
        }
        return v * factor;
    }

    /** "app=dur,app=dur" into app -> milliseconds. */
    public static Map<String, Double> apps(String spec) {
        Map<String, Double> m = new LinkedHashMap<>();
        if (spec == null) {
            return m;
        }
        for (String part : spec.split(",")) {
            String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("app threshold '" + p + "' is not app=duration");
            }
            m.put(p.substring(0, eq).strip(), toMillis(p.substring(eq + 1)));
        }
        return m;
    }
}
