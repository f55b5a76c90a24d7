package olympus.router.core;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One row per case of {@link MarkerLimits#admit}: each row is a sequence of calls at given times. */
class MarkerLimitsTest {
    static final long MS = 1_000_000L;

    /** A call by {@code caller} at {@code atMs}; {@code retryMs} 0 = admitted. */
    record Call(String caller, long atMs, boolean admitted, long retryMs) {}

    record Row(String name, double rate, double burst, List<Call> calls) {}

    static Call ok(String c, long at) {
        return new Call(c, at, true, 0);
    }

    static Call refused(String c, long at, long retryMs) {
        return new Call(c, at, false, retryMs);
    }

    static final List<Row> ROWS = List.of(
            new Row("a caller within its burst is admitted", 10, 3, List.of(ok("a", 0), ok("a", 0), ok("a", 0))),
            new Row("the call after the burst is refused, with when to retry (1/rate)", 10, 2,
                    List.of(ok("a", 0), ok("a", 0), refused("a", 0, 100))),
            new Row("time refills the bucket at the rate", 10, 1,
                    List.of(ok("a", 0), refused("a", 50, 50), ok("a", 100), refused("a", 100, 100))),
            new Row("a refill never exceeds the burst", 10, 2,
                    List.of(ok("a", 0), ok("a", 10_000), ok("a", 10_000), refused("a", 10_000, 100))),
            new Row("callers do not spend each other's budget", 10, 1,
                    List.of(ok("a", 0), refused("a", 0, 100), ok("b", 0), refused("b", 0, 100))),
            new Row("rate 0: no limit", 0, 1, List.of(ok("a", 0), ok("a", 0), ok("a", 0), ok("a", 0))),
            new Row("a clock read a hair behind the last gives no tokens and no error", 10, 1,
                    List.of(ok("a", 100), refused("a", 99, 100))));

    @Test
    void table() {
        assertAll(ROWS.stream().map(r -> () -> {
            MarkerLimits l = new MarkerLimits(r.rate(), r.burst());
            int i = 0;
            for (Call c : r.calls()) {
                MarkerLimits.Verdict v = l.admit(c.caller(), c.atMs() * MS);
                String at = r.name() + ", call " + (++i);
                assertEquals(c.admitted(), v.admitted(), at + ": " + v.detail());
                assertEquals(c.retryMs(), v.retryAfterMillis(), at);
                if (!v.admitted()) {
                    assertTrue(v.detail().contains("caller " + c.caller()) && v.detail().contains("router.marker-rate"), v.detail());
                    assertTrue(v.retryAfterSeconds() >= 1, at);
                }
            }
        }));
    }

    @Test
    void callersBeyondTheTrackedNumberShareOneBucketSoAnAddressFloodCannotGrowTheMap() {
        MarkerLimits l = new MarkerLimits(1, 1);
        for (int i = 0; i < MarkerLimits.MAX_CALLERS; i++) {
            assertTrue(l.admit("open:10.0.0." + i, 0).admitted());
        }
        MarkerLimits.Verdict first = l.admit("open:10.9.9.1", 0);
        assertTrue(first.admitted());
        assertEquals(MarkerLimits.OTHERS, first.caller());
        MarkerLimits.Verdict second = l.admit("open:10.9.9.2", 0);
        assertEquals(false, second.admitted(), "the newcomers' shared bucket is spent");
        assertEquals(MarkerLimits.OTHERS, second.caller());
        assertTrue(l.admit("open:10.0.0.5", 2_000 * MS).admitted(), "a tracked caller keeps its own bucket");
    }
}
