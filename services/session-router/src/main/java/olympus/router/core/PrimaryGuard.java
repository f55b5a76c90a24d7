package olympus.router.core;

/**
 * Keeps the primary from being flooded when the replica lags: a token bucket over the reads sent
 * to the primary only <em>because</em> the replica lags (no marker involved). Reads that need
 * the primary for read-your-writes never consult it, so the guard can cost staleness for users
 * with nothing pending, never a user's own write. Thread-safe; time is passed in.
 */
public final class PrimaryGuard {
    private final double ratePerSecond;
    private final double burst;
    private double tokens;
    private long lastNanos;
    private boolean started;
    private long refused;

    /** {@code ratePerSecond <= 0} disables the guard (every lag-induced read may go to the primary). */
    public PrimaryGuard(double ratePerSecond, double burst) {
        this.ratePerSecond = ratePerSecond;
        this.burst = Math.max(1, burst);
        this.tokens = this.burst;
    }

    public static PrimaryGuard unlimited() {
        return new PrimaryGuard(0, 1);
    }

    public synchronized boolean tryAcquire(long nowNanos) {
        if (ratePerSecond <= 0) {
            return true;
        }
        if (started) {
            tokens = Math.min(burst, tokens + (nowNanos - lastNanos) / 1e9 * ratePerSecond);
        }
        started = true;
        lastNanos = nowNanos;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        refused++;
        return false;
    }

    public synchronized long refused() {
        return refused;
    }

    public double ratePerSecond() {
        return ratePerSecond;
    }
}
