package olympus.failover.core;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LeaseDecisionTest {
    @ParameterizedTest(name = "{0}: holder={1} unchanged={2}ms -> {3} term {4}")
    @CsvSource({
            "no lease,          ,      0,    ACQUIRE,   1, no leader lease",
            "mine,              me,    0,    RENEW,     7, renewing own lease",
            "mine even if old,  me,    9000, RENEW,     7, renewing own lease",
            "other fresh,       other, 0,    FOLLOW,    7, leader is other",
            "other just short,  other, 5999, FOLLOW,    7, leader is other",
            "other expired,     other, 6000, TAKE_OVER, 8, not renewed for 6000 ms",
    })
    void decide(String name, String holder, long unchangedMs, LeaseDecision.Action action, long term, String reason) {
        Lease current = holder == null ? null : new Lease(holder, "us-east", 7, 6000, "2026-01-01T00:00:00Z");
        LeaseDecision d = LeaseDecision.decide(current, "me", unchangedMs, 6000);
        assertEquals(action, d.action(), name);
        assertEquals(term, d.term(), name);
        assertTrue(d.reason().contains(reason), d.reason());
    }

    @ParameterizedTest(name = "renewed {0} ms ago, ttl 6000, safety 2000 -> may act {1}")
    @CsvSource({"0, true", "3999, true", "4000, false", "10000, false"})
    void leaderStopsBeforeAnyFollowerCanTakeOver(long sinceMs, boolean mayAct) {
        long now = 1_000_000_000_000L;
        assertEquals(mayAct, LeaseDecision.mayAct(now, now - sinceMs * 1_000_000L, 6000, 2000));
    }

    @ParameterizedTest(name = "renewed {0} ms ago, ttl 6000, safety 2000 -> {1} ms left")
    @CsvSource({"0, 4000", "1500, 2500", "3999, 1", "4000, 0", "10000, 0"})
    void remainingIsTheTimeUntilMayActEnds(long sinceMs, long remainingMs) {
        long now = 1_000_000_000_000L;
        assertEquals(remainingMs, LeaseDecision.remainingMs(now, now - sinceMs * 1_000_000L, 6000, 2000));
    }

    @org.junit.jupiter.api.Test
    void neverRenewedMayNotAct() {
        assertEquals(false, LeaseDecision.mayAct(0, Long.MIN_VALUE, 6000, 2000));
        assertEquals(0, LeaseDecision.remainingMs(0, Long.MIN_VALUE, 6000, 2000));
    }
}
