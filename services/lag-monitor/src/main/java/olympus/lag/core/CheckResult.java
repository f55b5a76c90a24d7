package olympus.lag.core;

/** Answer of the check API: allowed (HTTP 200) or not (HTTP 429), with the figure and the reason. */
public record CheckResult(boolean allowed, Reason reason, String detail, LagState state, Double lagMs, Double maxMs) {
    public int httpStatus() {
        return allowed ? 200 : 429;
    }
}
