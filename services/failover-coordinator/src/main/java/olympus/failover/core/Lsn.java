package olympus.failover.core;

/** PostgreSQL WAL positions ("16/B374D848") as unsigned 64-bit numbers, so lag is a subtraction. */
public final class Lsn {
    private Lsn() {}

    public static long parse(String lsn) {
        if (lsn == null) {
            throw new IllegalArgumentException("lsn is null");
        }
        int slash = lsn.indexOf('/');
        if (slash <= 0 || slash == lsn.length() - 1) {
            throw new IllegalArgumentException("not an LSN: '" + lsn + "' (expected e.g. 0/3000060)");
        }
        long hi = Long.parseLong(lsn.substring(0, slash), 16);
        long lo = Long.parseLong(lsn.substring(slash + 1), 16);
        return (hi << 32) | lo;
    }

    public static String format(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
    }

    public static String bytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        if (b < 1024 * 1024) {
            return String.format("%.1f KiB", b / 1024.0);
        }
        return String.format("%.1f MiB", b / (1024.0 * 1024));
    }
}
