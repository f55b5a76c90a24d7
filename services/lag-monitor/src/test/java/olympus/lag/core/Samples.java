package olympus.lag.core;

import java.time.Instant;

/** Builders for table tests. */
final class Samples {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final Thresholds T = new Thresholds(1000, 3, 1500, 1000);

    static LagSample ok(double lagMs, long byteLag, Instant at) {
        return new LagSample("eu-west", "us-east", 1, at, null, "heartbeat", lagMs, "heartbeat", lagMs, null, null, null,
                byteLag, "0/10", "0/10", false, "reserved", 1L << 30, 0.0, 5);
    }

    static LagSample paused(double lagMs, long byteLag, Instant at) {
        return new LagSample("eu-west", "us-east", 1, at, null, "heartbeat", lagMs, "heartbeat", lagMs, null, null, null,
                byteLag, "0/10", "0/10", true, "reserved", 1L << 30, 0.0, 5);
    }

    static LagSample failed(Reason why, Instant at) {
        return new LagSample("eu-west", "us-east", 1, at, why, "boom", null, null, null, null, null, null,
                null, null, null, false, null, null, null, 5);
    }

    static Assessment state(LagState s, int breaches) {
        return new Assessment("eu-west", s, Reason.WITHIN_THRESHOLD, "", breaches, 0.0, T0);
    }

    static Instant ms(long ms) {
        return T0.plusMillis(ms);
    }
}
