package olympus.failover.core;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AutoFailoverTest {
    @ParameterizedTest(name = "enabled={0} last={1} verdict={2} down={3} -> {4}")
    @CsvSource({
            "false, none,    true,  60000, false, automatic failover is off",
            "true,  pending, true,  60000, false, awaits an SRE's ack",
            "true,  acked,   true,  60000, true,  primary unreachable for 60000 ms",
            "true,  none,    true,  60000, true,  primary unreachable for 60000 ms",
            "true,  none,    false, 60000, false, lags",
            "true,  none,    true,  9000,  false, automatic failover after 10000 ms",
    })
    void decide(boolean enabled, String last, boolean verdictOk, long downMs, boolean go, String reason) {
        AutoFailover.State s = switch (last) {
            case "pending" -> new AutoFailover.State("c1", "2026-01-01T00:00:00Z", false, null);
            case "acked" -> new AutoFailover.State("c1", "2026-01-01T00:00:00Z", true, "nats:sre");
            default -> null;
        };
        Verdict v = verdictOk ? Verdict.go("eu-west", 0L, "candidate eu-west is 0 B behind") : Verdict.refuse("candidate eu-west lags 3 MiB");
        AutoFailover.Decision d = AutoFailover.decide(enabled, s, v, downMs, 10_000);
        assertEquals(go, d.go(), d.reason());
        assertTrue(d.reason().contains(reason), d.reason());
    }
}
