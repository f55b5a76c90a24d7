package olympus.wire;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;

/** Field rules shared by the record constructors, so decoding and building Java agree. */
public final class Check {
    private Check() {}

    static final int MAX_ID = 512;
    static final int MAX_REASON = 512;
    private static final Pattern EVENT_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    // pg_lsn text form as PostgreSQL prints it: upper-case hex, no leading "0x".
    private static final Pattern LSN = Pattern.compile("[0-9A-F]+/[0-9A-F]+");
    static final List<String> LAG_STATES = List.of("OK", "LAGGING", "STALE", "UNKNOWN");

    /**
     * Longest a revocation may be kept, counted from when it was published. It equals the view
     * stream's retention (StreamLayout): an entry kept longer than the stream would vanish at the
     * first rebuild after that, so a longer keep-until is a promise nothing can keep.
     */
    public static final Duration MAX_KEEP = Duration.ofDays(31);
    /** How far revokedAt and issuedBefore may lie after the event was published (clock skew). */
    public static final Duration MAX_SKEW = Duration.ofMinutes(5);
    // Outside these no instant means anything here, and past the upper one toEpochMilli and
    // Redis' PXAT overflow: bounding every instant at the edge keeps that out of every consumer.
    private static final Instant EARLIEST = Instant.EPOCH;
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

    static void header(String eventId, int schemaVersion, String originRegion, Instant occurredAt) {
        if (eventId == null) {
            throw WireException.missing("eventId");
        }
        if (!EVENT_ID.matcher(eventId).matches()) {
            throw WireException.invalid("eventId",
                    "must be 1 to 128 characters of [A-Za-z0-9._:-], got " + quote(eventId));
        }
        version(schemaVersion);
        region("originRegion", originRegion);
        instant("occurredAt", occurredAt);
    }

    /** Present and between 1970 and 9999. */
    static void instant(String field, Instant value) {
        required(field, value);
        if (value.isBefore(EARLIEST) || value.isAfter(LATEST)) {
            throw WireException.invalid(field, "(" + value + ") is outside 1970-01-01 .. 9999-12-31");
        }
    }

    /** Not later than the event's publication plus the allowed clock skew. */
    static void notAfterSkew(String field, Instant value, Instant occurredAt) {
        instant(field, value);
        if (value.isAfter(occurredAt.plus(MAX_SKEW))) {
            throw WireException.invalid(field, "(" + value + ") is more than " + MAX_SKEW.toMinutes()
                    + " minutes after the event was published (" + occurredAt + ")");
        }
    }

    static void version(int schemaVersion) {
        if (schemaVersion != EventCodec.SCHEMA_VERSION) {
            throw unsupportedVersion(String.valueOf(schemaVersion));
        }
    }

    static WireException unsupportedVersion(String version) {
        return new WireException(Rejection.UNSUPPORTED_VERSION, "schemaVersion", "schemaVersion "
                + version + " is not supported (supported: " + EventCodec.SCHEMA_VERSION + ")");
    }

    static void required(String field, Object value) {
        if (value == null) {
            throw WireException.missing(field);
        }
    }

    static void region(String field, String value) {
        required(field, value);
        if (!Naming.REGION.matcher(value).matches()) {
            throw WireException.invalid(field, "is not a region name (lower-case letters, digits and '-', "
                    + "2 to 32 characters): " + quote(value));
        }
    }

    static void text(String field, String value, int max) {
        required(field, value);
        optionalText(field, value, max);
    }

    static void optionalText(String field, String value, int max) {
        if (value == null) {
            return;
        }
        if (value.isBlank()) {
            throw WireException.invalid(field, "is blank");
        }
        if (value.length() > max) {
            throw WireException.invalid(field, "is " + value.length() + " characters, over the limit of " + max);
        }
    }

    static void tokenHash(String field, String value) {
        if (value != null && !SHA256_HEX.matcher(value).matches()) {
            throw WireException.invalid(field, "is not a lower-case hex SHA-256 (64 characters): " + quote(value));
        }
    }

    static void lsn(String field, String value) {
        if (value != null && !LSN.matcher(value).matches()) {
            throw WireException.invalid(field, "is not a PostgreSQL LSN like 0/3000148: " + quote(value));
        }
    }

    /**
     * A revocation must be remembered at least until it happened, or it protects nothing; and at
     * most as long as the stream keeps it ({@link #MAX_KEEP}). Checked against the event's own
     * publication time, so a message from NATS is held to the bounds the ingest API applies.
     */
    static void revocationWindow(Instant occurredAt, Instant revokedAt, Instant keepUntil) {
        notAfterSkew("revokedAt", revokedAt, occurredAt);
        instant("keepUntil", keepUntil);
        if (keepUntil.isBefore(revokedAt)) {
            throw WireException.invalid("keepUntil", "(" + keepUntil + ") is before revokedAt (" + revokedAt + ")");
        }
        if (keepUntil.isAfter(occurredAt.plus(MAX_KEEP))) {
            throw WireException.invalid("keepUntil", "(" + keepUntil + ") is more than " + MAX_KEEP.toDays()
                    + " days after the event was published (" + occurredAt + "), the revocation stream's retention: "
                    + "a longer keep-until would be lost at the first rebuild after that");
        }
    }

    static void nonNegative(String field, Double value) {
        if (value != null && !(value >= 0 && Double.isFinite(value))) {
            throw WireException.invalid(field, "must be a finite number >= 0, got " + value);
        }
    }

    static void nonNegative(String field, Long value) {
        if (value != null && value < 0) {
            throw WireException.invalid(field, "must be >= 0, got " + value);
        }
    }

    static void oneOf(String field, String value, List<String> allowed) {
        required(field, value);
        if (!allowed.contains(value)) {
            throw WireException.invalid(field, "must be one of " + allowed + ", got " + quote(value));
        }
    }

    /**
     * Quotes a rejected value for a message. Messages end up in log lines and in the
     * dead-letter header, where a control character or a huge value would do damage.
     */
    static String quote(String value) {
        return "'" + clean(value, 64) + "'";
    }

    static String clean(String text, int max) {
        String t = text.length() > max ? text.substring(0, max) + "..." : text;
        StringBuilder sb = new StringBuilder(t.length());
        t.codePoints().forEach(c -> sb.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return sb.toString();
    }
}
