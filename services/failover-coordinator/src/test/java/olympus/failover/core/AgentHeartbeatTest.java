package olympus.failover.core;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** How long a status probe waits for an agent, by the age of its last heartbeat. */
class AgentHeartbeatTest {
    @ParameterizedTest(name = "heartbeat {0} ms old -> wait {1}")
    @CsvSource({
            "300,    ''",     // fresh: the normal probe timeout
            "5000,   ''",     // at the bound: still normal
            "5001,   150",    // stale: cut off or gone, a short probe
            "60000,  150",
            "-1,     ''",     // never seen: normal
    })
    void probeWait(long ageMs, String waitMs) {
        long now = Instant.parse("2026-12-04T12:00:00Z").toEpochMilli();
        AgentHeartbeat hb = ageMs < 0 ? null
                : new AgentHeartbeat("us-east", Instant.ofEpochMilli(now - ageMs).toString(), "WRITABLE_PRIMARY", false, 3000, 5500);
        Duration w = AgentHeartbeat.probeWait(hb, now);
        assertEquals(waitMs.isEmpty() ? null : Duration.ofMillis(Long.parseLong(waitMs)), w);
    }
}
