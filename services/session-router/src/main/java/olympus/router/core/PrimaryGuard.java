package olympus.router.core;

/**
 * Keeps the primary from being flooded when the replica lags: a token bucket over the reads sent
 * to the primary only <em>because</em> the replica lags (no marker involved). Reads that need
 * the primary for read-your-writes never consult it, so the guard can cost staleness for users
 * with nothing pending, never a user's own write. Thread-safe; time is passed in.
 */
public final class PrimaryGuard {
    private final TokenBucket bucket;
    private long refused;

    /** {@code ratePerSecond <= 0} disables the guard (every lag-induced read may go to the primary). */
    public PrimaryGuard(double ratePerSecond, double burst) {
        this.bucket = new TokenBucket(ratePerSecond, burst);
    }

    public static PrimaryGuard unlimited() {
        return new PrimaryGuard(0, 1);
    }

    public boolean tryAcquire(long nowNanos) {
        if (bucket.take(nowNanos) == 0) {
            return true;
        }
        synchronized (this) {
            refused++;
        }
        return false;
    }

    public synchronized long refused() {
        return refused;
    }

    public double ratePerSecond() {
        return bucket.ratePerSecond();
    }
}
