package olympus.lag.core;

/**
 * Why an assessment or a check came out as it did. The code is a bounded set (it labels
 * Prometheus counters); the human detail travels next to it in {@link Assessment#detail()}.
 */
public enum Reason {
    NO_SAMPLE_YET,
    WITHIN_THRESHOLD,
    CAUGHT_UP,
    OVER_THRESHOLD_PENDING,
    OVER_THRESHOLD,
    REPLAY_PAUSED,
    SAMPLE_TOO_OLD,
    REPLICA_UNREACHABLE,
    PRIMARY_UNREACHABLE,
    REPLICATION_STOPPED,
    NOT_A_REPLICA,
    UNKNOWN_REPLICA,
    OVER_REQUESTED_MAX;

    public String code() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
