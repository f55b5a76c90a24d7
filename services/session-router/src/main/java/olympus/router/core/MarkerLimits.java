package olympus.router.core;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-caller limits on recording markers ({@code router.marker-rate}, {@code marker-burst}). Every
 * marker sends its user's reads to the primary until a replica has replayed it and costs a key in
 * each region's Redis it is written to; one caller (a bug, a stolen token) must not be able to
 * pin every user to the far primary or fill Redis, and must not spend the other callers' budget.
 *
 * <p>A caller is what authenticated it: which API token (or Kratos hook token) it presented, or
 * its address when the APIs are open. At most {@link #MAX_CALLERS} callers get their own bucket;
 * callers beyond that (only possible with open APIs: tokens are few) share one, so a flood of
 * source addresses cannot grow this map. Time is passed in; thread-safe.
 */
public final class MarkerLimits {
    static final int MAX_CALLERS = 1024;
    static final String OTHERS = "other-callers";

    /** {@code retryAfterNanos} is 0 when admitted. */
    public record Verdict(boolean admitted, String caller, long retryAfterNanos, String detail) {
        public long retryAfterMillis() {
            return (retryAfterNanos + 999_999) / 1_000_000;
        }

        /** For Retry-After, which counts whole seconds: never 0 for a refusal. */
        public long retryAfterSeconds() {
            return Math.max(1, (retryAfterNanos + 999_999_999L) / 1_000_000_000L);
        }
    }

    private final double ratePerSecond;
    private final double burst;
    private final ConcurrentHashMap<String, TokenBucket> buckets = new ConcurrentHashMap<>();

    /** {@code ratePerSecond <= 0}: no limit. */
    public MarkerLimits(double ratePerSecond, double burst) {
        this.ratePerSecond = ratePerSecond;
        this.burst = burst;
    }

    /** Whether {@code caller} may record one more marker now. */
    public Verdict admit(String caller, long nowNanos) {
        if (ratePerSecond <= 0) {
            return new Verdict(true, caller, 0, null);
        }
        String key = buckets.containsKey(caller) || buckets.size() < MAX_CALLERS ? caller : OTHERS;
        long wait = buckets.computeIfAbsent(key, k -> new TokenBucket(ratePerSecond, burst)).take(nowNanos);
        if (wait == 0) {
            return new Verdict(true, key, 0, null);
        }
        return new Verdict(false, key, wait, "caller " + key + " is over its marker budget (router.marker-rate "
                + fmt(ratePerSecond) + "/s, marker-burst " + fmt(Math.max(1, burst)) + "): marker not recorded, no read-your-writes "
                + "guarantee for this write; retry after " + (wait + 999_999) / 1_000_000 + " ms");
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
