package olympus.lag.core;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static olympus.lag.core.Samples.T;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Which figure the lag comes from. Times: P is the primary's clock; the monitor's and the
 * replica's clocks are set wildly off in some rows to show they never enter the figure.
 */
class LagMeasureTest {
    static final Instant P = Instant.parse("2026-01-01T12:00:00Z");

    static ReplicaObservation replica(String replayLsn, long hbSeq, long hbAgeMs, boolean paused) {
        return new ReplicaObservation(null, true, replayLsn, replayLsn, paused ? "paused" : "not paused", "streaming",
                hbSeq, P.minusMillis(hbAgeMs));
    }

    static PrimaryObservation primary(String lsn, long hbSeq, long hbAgeMs, Double replayLagMs) {
        return primary(lsn, hbSeq, hbAgeMs, null, replayLagMs);
    }

    /** {@code hbLsn}: the primary's WAL insert position when it wrote its newest heartbeat. */
    static PrimaryObservation primary(String lsn, long hbSeq, long hbAgeMs, String hbLsn, Double replayLagMs) {
        return new PrimaryObservation(null, "us-east", false, P, lsn, hbSeq, P.minusMillis(hbAgeMs), hbLsn, "w", 1,
                P.plusSeconds(1), "streaming", 1.0, 2.0, replayLagMs, "reserved", 1L << 30);
    }

    record Row(String name, ReplicaObservation r, PrimaryObservation p, Instant monitorClock, Double lagMs, String source,
               Reason failure) {}

    static final List<Row> ROWS = List.of(
            new Row("caught up: 0 even with an old heartbeat (idle primary, no writer)",
                    replica("0/3000000", 5, 60_000, false), primary("0/3000000", 5, 60_000, null), P, 0.0, "caught up", null),
            new Row("heartbeat age on the primary's clock",
                    replica("0/2FFF000", 9, 400, false), primary("0/3000000", 10, 100, 3.0), P, 400.0, "heartbeat", null),
            new Row("newest heartbeat in flight, replica past its WAL position: age of that heartbeat, not of the replica's",
                    replica("0/2FFF000", 9, 1_200, false), primary("0/3000000", 10, 700, "0/2FFEF00", 3.0), P, 700.0, "heartbeat's WAL position", null),
            new Row("replica replayed exactly up to the newest heartbeat's WAL position: still holds every earlier commit",
                    replica("0/2FFEF00", 9, 1_200, false), primary("0/3000000", 10, 700, "0/2FFEF00", 3.0), P, 700.0, "heartbeat's WAL position", null),
            new Row("replica short of the newest heartbeat's WAL position: its own heartbeat's age (it may miss commits)",
                    replica("0/2FFE000", 9, 1_200, false), primary("0/3000000", 10, 700, "0/2FFEF00", 3.0), P, 1200.0, "heartbeat", null),
            new Row("newest heartbeat written before the lsn column existed: its own heartbeat's age",
                    replica("0/2FFF000", 9, 1_200, false), primary("0/3000000", 10, 700, null, 3.0), P, 1200.0, "heartbeat", null),
            new Row("monitor clock 1 h ahead: same figure (clock skew never enters)",
                    replica("0/2FFF000", 9, 400, false), primary("0/3000000", 10, 100, 3.0), P.plusSeconds(3600), 400.0, "heartbeat", null),
            new Row("monitor clock 1 h behind: same figure",
                    replica("0/2FFF000", 9, 400, false), primary("0/3000000", 10, 100, 3.0), P.minusSeconds(3600), 400.0, "heartbeat", null),
            new Row("replay paused 5 s: heartbeat age grows",
                    replica("0/2000000", 40, 5_200, true), primary("0/3000000", 90, 50, 12.0), P, 5200.0, "heartbeat", null),
            new Row("writer gap, replica has the newest heartbeat: primary's replay_lag",
                    replica("0/2FFF000", 10, 2_500, false), primary("0/3000000", 10, 2_500, 7.0), P, 7.0, "pg_stat_replication", null),
            new Row("writer gap, replica has the newest, primary reports NULL lag (caught up, quiet): 0, not the gap",
                    replica("0/2FFF000", 10, 2_500, false), primary("0/3000000", 10, 2_500, null), P, 0.0, "pg_stat_replication", null),
            new Row("writer gap but replica misses heartbeats: heartbeat age (it really lags)",
                    replica("0/2000000", 8, 4_000, false), primary("0/3000000", 10, 2_500, 7.0), P, 4000.0, "heartbeat", null),
            new Row("no heartbeat on the replica yet: replay_lag",
                    new ReplicaObservation(null, true, "0/1", "0/1", "not paused", "streaming", null, null),
                    primary("0/3000000", 10, 100, 9.0), P, 9.0, "pg_stat_replication", null),
            new Row("replica unreachable", ReplicaObservation.failed("connection refused"),
                    primary("0/3000000", 10, 100, 9.0), P, null, null, Reason.REPLICA_UNREACHABLE),
            new Row("primary unreachable", replica("0/1", 1, 1, false), PrimaryObservation.failed("us-east", "timeout"),
                    P, null, null, Reason.PRIMARY_UNREACHABLE),
            new Row("promoted replica", new ReplicaObservation(null, false, null, null, null, null, 1L, P),
                    primary("0/3000000", 10, 100, 9.0), P, null, null, Reason.NOT_A_REPLICA),
            new Row("no walsender on the primary: replication stopped", replica("0/1", 1, 1, false),
                    new PrimaryObservation(null, "us-east", false, P, "0/3000000", 10L, P, null, "w", 1, P, null, null, null, null, "extended", 5L),
                    P, null, null, Reason.REPLICATION_STOPPED));

    @Test
    void table() {
        assertAll(ROWS.stream().map(row -> () -> {
            LagSample s = LagMeasure.measure("eu-west", "us-east", 1, row.r(), row.p(), row.monitorClock(), row.monitorClock(), 5, T);
            assertEquals(row.failure(), s.failure(), row.name() + ": " + s.detail());
            if (row.lagMs() == null) {
                assertNull(s.lagMs(), row.name());
            } else {
                assertEquals(row.lagMs(), s.lagMs(), 0.001, row.name());
                assertEquals(true, s.lagSource().startsWith(row.source()), row.name() + ": " + s.lagSource());
            }
        }));
    }

    @Test
    void byte_lag_is_primary_current_minus_replica_replay_and_skew_is_shown() {
        LagSample s = LagMeasure.measure("eu-west", "us-east", 3, replica("0/2FFF000", 9, 400, false),
                primary("0/3000000", 10, 100, 3.0), P, P.minusMillis(250), 40, T);
        assertEquals(0x1000L, s.byteLag());
        assertEquals(250.0, s.clockSkewMs());
        assertEquals(40, s.windowMs());
        assertEquals(3, s.epoch());
        assertEquals("0/2FFF000", s.replayLsn());
    }
}
