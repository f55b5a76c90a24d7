package olympus.router.http;

import olympus.router.core.ReadDecision;
import olympus.router.core.ReadReason;
import olympus.router.core.Target;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The read decision's JSON, written directly: the same document Micronaut Serialization makes of
 * {@link Api.ReadRoute} (fields in declaration order, null and empty strings omitted, as with its
 * default NON_EMPTY inclusion), without the per-request serializer lookup, bean introspection and
 * buffer management. Answers without a detail (the common case: OK, CAUGHT_UP) are the same bytes
 * for as long as the topology does not change, so the last one per reason is kept and reused
 * (never modified: the server only reads the array).
 */
final class RouteJson {
    private RouteJson() {}

    private record Cached(Target target, String region, String primary, long epoch, byte[] json) {
        boolean matches(ReadDecision d) {
            return target == d.target() && epoch == d.epoch() && Objects.equals(region, d.region())
                    && Objects.equals(primary, d.primary());
        }
    }

    private static final AtomicReferenceArray<Cached> LAST = new AtomicReferenceArray<>(ReadReason.values().length);

    static byte[] encode(ReadDecision d) {
        if (d.detail() != null && !d.detail().isEmpty()) {
            return build(d);
        }
        int i = d.reason().ordinal();
        Cached c = LAST.get(i);
        if (c != null && c.matches(d)) {
            return c.json;
        }
        byte[] json = build(d);
        LAST.set(i, new Cached(d.target(), d.region(), d.primary(), d.epoch(), json));
        return json;
    }

    static byte[] build(ReadDecision d) {
        StringBuilder b = new StringBuilder(128);
        b.append('{');
        boolean first = field(b, true, "target", d.target().name());
        first = field(b, first, "region", d.region());
        first = field(b, first, "primary", d.primary());
        if (!first) {
            b.append(',');
        }
        b.append("\"epoch\":").append(d.epoch());
        field(b, false, "reason", d.reason().name());
        field(b, false, "detail", d.detail());
        b.append('}');
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Appends {@code "name":"value"} unless the value is null or empty; returns whether nothing has been written yet. */
    private static boolean field(StringBuilder b, boolean first, String name, String value) {
        if (value == null || value.isEmpty()) {
            return first;
        }
        if (!first) {
            b.append(',');
        }
        b.append('"').append(name).append("\":");
        string(b, value);
        return false;
    }

    static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20) {
                        b.append("\\u00").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xF, 16));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
