package olympus.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The benchmarks' HTTP load generator: wrk (C, epoll, keep-alive), run beside the service on this
 * machine. Cheaper per request than a generator in Java, so more of the two cores is left to the
 * service measured.
 */
public final class Wrk {
    private Wrk() {}

    /** One run's figures; {@code output} is wrk's own report. */
    public record Result(double perSecond, double p50Ms, double p99Ms, long requests, long non2xx, String errors, String output) {
        public String line() {
            return String.format("%,.0f/s p50 %.3f p99 %.3f ms", perSecond, p50Ms, p99Ms);
        }
    }

    /**
     * Runs {@code wrk -t threads -c connections -d seconds --latency [-s script] url}. A
     * {@code luaRequest} (the body of wrk's {@code request()} function) varies each request.
     * Non-2xx answers and socket errors are returned, for the caller to reject the run.
     */
    public static Result run(String url, int threads, int connections, int seconds, String luaRequest) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("wrk", "-t" + threads, "-c" + connections, "-d" + seconds + "s", "--latency"));
        Path script = null;
        if (luaRequest != null) {
            script = Files.createTempFile("wrk-", ".lua");
            Files.writeString(script, "math.randomseed(os.time())\nrequest = function()\n" + luaRequest + "\nend\n");
            cmd.addAll(List.of("-s", script.toString()));
        }
        cmd.add(url);
        try {
            Process p;
            try {
                p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            } catch (IOException e) {
                throw new IOException("cannot run wrk: install the Debian package wrk (apt-get install -y wrk, or deploy/local/install-deps): "
                        + e.getMessage(), e);
            }
            StringBuilder out = new StringBuilder();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    out.append(line).append('\n');
                }
            }
            if (p.waitFor() != 0) {
                throw new IOException("wrk failed: " + out);
            }
            String o = out.toString();
            return new Result(number(o, "Requests/sec:\\s+([0-9.]+)"), millis(o, "50%"), millis(o, "99%"),
                    (long) number(o, "(\\d+) requests in"), (long) number(o, "Non-2xx or 3xx responses:\\s+(\\d+)"),
                    find(o, "Socket errors:[^\\n]*"), o);
        } finally {
            if (script != null) {
                Files.deleteIfExists(script);
            }
        }
    }

    private static double number(String o, String regex) {
        Matcher m = Pattern.compile(regex).matcher(o);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private static String find(String o, String regex) {
        Matcher m = Pattern.compile(regex).matcher(o);
        return m.find() ? m.group().strip() : null;
    }

    /** wrk prints latency percentiles as e.g. "99%    1.23ms" (units us, ms, s). */
    private static double millis(String o, String percentile) {
        Matcher m = Pattern.compile("\\s" + Pattern.quote(percentile) + "\\s+([0-9.]+)(us|ms|s)").matcher(o);
        if (!m.find()) {
            return Double.NaN;
        }
        double v = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "us" -> v / 1000;
            case "s" -> v * 1000;
            default -> v;
        };
    }
}
