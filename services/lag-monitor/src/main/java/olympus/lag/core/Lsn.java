package olympus.lag.core;

/** PostgreSQL WAL positions ("16/B374D848") as unsigned 64-bit numbers, so they can be subtracted. */
public final class Lsn {
    private Lsn() {}

    public static long parse(String text) {
        int slash = text.indexOf('/');
        if (slash <= 0 || slash == text.length() - 1) {
            throw new IllegalArgumentException("not an LSN: '" + text + "' (expected hex/hex, e.g. 0/16B3748)");
        }
        long hi = Long.parseLong(text.substring(0, slash), 16);
        long lo = Long.parseLong(text.substring(slash + 1), 16);
        return (hi << 32) | (lo & 0xFFFFFFFFL);
    }

    public static String format(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase(java.util.Locale.ROOT) + "/"
                + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase(java.util.Locale.ROOT);
    }

    /** {@code a - b} in bytes, or null when either side is missing. */
    public static Long diff(String a, String b) {
        if (a == null || b == null) {
            return null;
        }
        return parse(a) - parse(b);
    }
}
