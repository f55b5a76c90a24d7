package olympus.lag.core;

import java.time.Instant;

/**
 * The verdict on one replica after a sample (or after time passed without one).
 *
 * @param breaches          consecutive samples over the threshold, carried into the next assessment
 * @param lagMs             the figure the verdict is about; null when there is none
 * @param sampleObservedAt  when the sample behind it was taken (monitor's clock); null if none
 */
public record Assessment(String replica, LagState state, Reason reason, String detail, int breaches,
                         Double lagMs, Instant sampleObservedAt) {

    public static Assessment initial(String replica) {
        return new Assessment(replica, LagState.UNKNOWN, Reason.NO_SAMPLE_YET, "no sample taken yet", 0, null, null);
    }

    /** A state change worth an event: the state differs (reasons alone change too often). */
    public boolean changedFrom(Assessment previous) {
        return previous == null || previous.state() != state;
    }
}
