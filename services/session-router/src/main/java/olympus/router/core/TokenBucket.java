package olympus.router.core;

/**
 * A token bucket over a caller-supplied monotonic clock (nanoseconds), so tests drive time.
 * Thread-safe. The primary guard and the per-caller marker limits both spend from one.
 */
public final class TokenBucket {
    private final double ratePerSecond;
    private final double burst;
    private double tokens;
    private long lastNanos;
    private boolean started;

    /** {@code ratePerSecond <= 0}: unlimited. The bucket starts full. */
    public TokenBucket(double ratePerSecond, double burst) {
        this.ratePerSecond = ratePerSecond;
        this.burst = Math.max(1, burst);
        this.tokens = this.burst;
    }

    public double ratePerSecond() {
        return ratePerSecond;
    }

    /** 0 when a token was taken; otherwise how long (ns, at least 1) until one will be there. */
    public synchronized long take(long nowNanos) {
        if (ratePerSecond <= 0) {
            return 0;
        }
        if (started) {
            // max(0, ...): a clock read on another core may be a hair behind the last one.
            tokens = Math.min(burst, tokens + Math.max(0, nowNanos - lastNanos) / 1e9 * ratePerSecond);
        }
        started = true;
        lastNanos = nowNanos;
        if (tokens >= 1) {
            tokens -= 1;
            return 0;
        }
        return Math.max(1, (long) Math.ceil((1 - tokens) / ratePerSecond * 1e9));
    }
}
