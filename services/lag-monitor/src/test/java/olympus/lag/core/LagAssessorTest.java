package olympus.lag.core;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static olympus.lag.core.Samples.T;
import static olympus.lag.core.Samples.failed;
import static olympus.lag.core.Samples.ms;
import static olympus.lag.core.Samples.ok;
import static olympus.lag.core.Samples.paused;
import static olympus.lag.core.Samples.state;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The assessment as a table: previous verdict, sample, now -> state and reason. Thresholds: 1 s, 3 breaches, stale after 1.5 s. */
class LagAssessorTest {
    record Row(String name, Assessment previous, LagSample sample, Instant now, LagState state, Reason reason, int breaches) {}

    static final List<Row> ROWS = List.of(
            new Row("no sample at all", null, null, ms(0), LagState.UNKNOWN, Reason.NO_SAMPLE_YET, 0),
            new Row("fresh, under threshold", state(LagState.OK, 0), ok(300, 120, ms(0)), ms(10), LagState.OK, Reason.WITHIN_THRESHOLD, 0),
            new Row("caught up: byte lag 0", null, ok(0, 0, ms(0)), ms(10), LagState.OK, Reason.CAUGHT_UP, 0),
            new Row("exactly at threshold is OK", state(LagState.OK, 0), ok(1000, 5, ms(0)), ms(10), LagState.OK, Reason.WITHIN_THRESHOLD, 0),
            new Row("first breach: OK stays OK", state(LagState.OK, 0), ok(1200, 5, ms(0)), ms(10), LagState.OK, Reason.OVER_THRESHOLD_PENDING, 1),
            new Row("second breach: still OK", state(LagState.OK, 1), ok(1200, 5, ms(0)), ms(10), LagState.OK, Reason.OVER_THRESHOLD_PENDING, 2),
            new Row("third breach: LAGGING", state(LagState.OK, 2), ok(1200, 5, ms(0)), ms(10), LagState.LAGGING, Reason.OVER_THRESHOLD, 3),
            new Row("LAGGING stays LAGGING on a breach", state(LagState.LAGGING, 7), ok(5000, 5, ms(0)), ms(10), LagState.LAGGING, Reason.OVER_THRESHOLD, 8),
            new Row("recovery resets breaches", state(LagState.LAGGING, 7), ok(200, 5, ms(0)), ms(10), LagState.OK, Reason.WITHIN_THRESHOLD, 0),
            new Row("breach after restart is not OK and no false LAGGING", null, ok(1200, 5, ms(0)), ms(10), LagState.UNKNOWN, Reason.OVER_THRESHOLD_PENDING, 1),
            new Row("breach while STALE stays STALE", state(LagState.STALE, 0), ok(1200, 5, ms(0)), ms(10), LagState.STALE, Reason.OVER_THRESHOLD_PENDING, 1),
            new Row("sample too old: STALE", state(LagState.OK, 0), ok(10, 5, ms(0)), ms(1501), LagState.STALE, Reason.SAMPLE_TOO_OLD, 0),
            new Row("sample at the staleness bound is fresh", state(LagState.OK, 0), ok(10, 5, ms(0)), ms(1500), LagState.OK, Reason.WITHIN_THRESHOLD, 0),
            new Row("replica unreachable: STALE", state(LagState.OK, 0), failed(Reason.REPLICA_UNREACHABLE, ms(0)), ms(1), LagState.STALE, Reason.REPLICA_UNREACHABLE, 0),
            new Row("replication stopped: STALE", state(LagState.OK, 0), failed(Reason.REPLICATION_STOPPED, ms(0)), ms(1), LagState.STALE, Reason.REPLICATION_STOPPED, 0),
            new Row("primary unreachable: UNKNOWN", state(LagState.OK, 0), failed(Reason.PRIMARY_UNREACHABLE, ms(0)), ms(1), LagState.UNKNOWN, Reason.PRIMARY_UNREACHABLE, 0),
            new Row("promoted: UNKNOWN", state(LagState.OK, 0), failed(Reason.NOT_A_REPLICA, ms(0)), ms(1), LagState.UNKNOWN, Reason.NOT_A_REPLICA, 0),
            new Row("replay paused with WAL waiting: LAGGING at once", state(LagState.OK, 0), paused(300, 4096, ms(0)), ms(1), LagState.LAGGING, Reason.REPLAY_PAUSED, 1),
            new Row("replay paused, nothing to replay: OK", state(LagState.OK, 0), paused(0, 0, ms(0)), ms(1), LagState.OK, Reason.CAUGHT_UP, 0),
            new Row("replay paused and old: STALE wins", state(LagState.LAGGING, 3), paused(3000, 4096, ms(0)), ms(2000), LagState.STALE, Reason.SAMPLE_TOO_OLD, 3));

    @Test
    void table() {
        assertAll(ROWS.stream().map(r -> () -> {
            Assessment a = LagAssessor.assess(r.previous(), r.sample(), r.now(), T);
            assertEquals(r.state(), a.state(), r.name() + ": " + a.detail());
            assertEquals(r.reason(), a.reason(), r.name() + ": " + a.detail());
            assertEquals(r.breaches(), a.breaches(), r.name());
        }));
    }

    @Test
    void a_verdict_read_later_turns_stale_without_a_new_sample() {
        Assessment a = LagAssessor.assess(null, ok(10, 5, ms(0)), ms(5), T);
        assertEquals(LagState.OK, LagAssessor.asOf(a, ms(1500), T).state());
        Assessment later = LagAssessor.asOf(a, ms(1501), T);
        assertEquals(LagState.STALE, later.state());
        assertEquals(Reason.SAMPLE_TOO_OLD, later.reason());
    }

    @Test
    void a_state_change_is_a_different_state_not_a_different_reason() {
        Assessment ok1 = state(LagState.OK, 0);
        Assessment ok2 = new Assessment("eu-west", LagState.OK, Reason.OVER_THRESHOLD_PENDING, "x", 1, 1200.0, ms(0));
        assertEquals(false, ok2.changedFrom(ok1));
        assertEquals(true, state(LagState.LAGGING, 3).changedFrom(ok1));
    }
}
