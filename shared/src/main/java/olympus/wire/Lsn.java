package olympus.wire;

import java.util.Locale;

/**
 * PostgreSQL WAL positions ({@code pg_lsn}) as unsigned 64-bit numbers, so that "has the replica
 * replayed past the write" is one comparison and lag in bytes is one subtraction. The text form
 * is {@code HI/LO} in hex, as {@code pg_current_wal_lsn()} prints it.
 */
public final class Lsn {
    private Lsn() {}

    /** Parses {@code 0/3000148}; throws IllegalArgumentException with a clear message otherwise. */
    public static long parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("LSN is missing");
        }
        int slash = text.indexOf('/');
        if (slash <= 0 || slash == text.length() - 1 || slash > 8 || text.length() - slash - 1 > 8) {
            throw new IllegalArgumentException("not a PostgreSQL LSN like 0/3000148: '" + text + "'");
        }
        try {
            long hi = Long.parseLong(text, 0, slash, 16);
            long lo = Long.parseLong(text, slash + 1, text.length(), 16);
            return (hi << 32) | lo;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a PostgreSQL LSN like 0/3000148: '" + text + "'");
        }
    }

    public static String format(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase(Locale.ROOT) + "/"
                + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase(Locale.ROOT);
    }

    /** True when position {@code a} is at or after {@code b} (unsigned: positions use all 64 bits). */
    public static boolean atOrAfter(long a, long b) {
        return Long.compareUnsigned(a, b) >= 0;
    }

    /** {@code a - b} in bytes, or null when either side is missing. */
    public static Long diff(String a, String b) {
        if (a == null || b == null) {
            return null;
        }
        return parse(a) - parse(b);
    }

    /** A byte count for people: 512 B, 3.1 MiB. */
    public static String bytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        if (b < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MiB", b / (1024.0 * 1024));
    }
}
