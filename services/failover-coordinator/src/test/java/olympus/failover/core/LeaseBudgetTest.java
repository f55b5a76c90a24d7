package olympus.failover.core;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whether a step may start on the lease left (defaults: ttl 6 s, safety 2 s: a 4 s window renewed every 1.5 s). */
class LeaseBudgetTest {
    @ParameterizedTest(name = "worst {0} ms, {1} ms left -> {4}")
    @CsvSource({
            // worst case, left, window, renew every, verdict,    need, reason
            "300,          3900, 4000,   1500,        START,      300,  fits the 3900 ms of lease left",
            "300,          250,  4000,   1500,        WAIT,       300,  a renewal is late",
            "20000,        2400, 4000,   1500,        START,      1000, longer than a lease; the lease is on schedule",
            "20000,        900,  4000,   1500,        WAIT,       1000, the lease has 900 ms left and the step needs 1000 ms",
            "300,          0,    4000,   1500,        NOT_LEADER, 300,  run out",
            "20000,        1240, 2000,   750,         START,      500,  on schedule",
            "20000,        400,  2000,   750,         WAIT,       500,  late",
            "20000,        300,  1000,   500,         START,      250,  on schedule",
    })
    void decide(long worst, long left, long window, long every, LeaseBudget.Verdict verdict, long need, String reason) {
        LeaseBudget.Decision d = LeaseBudget.decide(worst, left, window, every);
        assertEquals(verdict, d.verdict(), d.reason());
        assertEquals(need, d.needMs());
        assertTrue(d.reason().contains(reason), d.reason());
    }
}
