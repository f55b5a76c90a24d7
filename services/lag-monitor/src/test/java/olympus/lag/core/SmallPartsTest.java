package olympus.lag.core;

import olympus.wire.Lsn;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SmallPartsTest {
    static final Instant NOW = Instant.parse("2026-01-01T00:00:10Z");

    @Test
    void heartbeat_lease_table() {
        assertEquals(true, HeartbeatLease.shouldAttempt("me", 1, null, 0, null, NOW), "nobody holds it");
        assertEquals(true, HeartbeatLease.shouldAttempt("me", 1, "me", 1, NOW.plusSeconds(2), NOW), "mine");
        assertEquals(false, HeartbeatLease.shouldAttempt("me", 1, "other", 1, NOW.plusSeconds(2), NOW), "other's, live");
        assertEquals(true, HeartbeatLease.shouldAttempt("me", 1, "other", 1, NOW, NOW), "other's, expired");
        assertEquals(true, HeartbeatLease.shouldAttempt("me", 2, "other", 1, NOW.plusSeconds(60), NOW), "taken under an older epoch");
    }

    @Test
    void lsn_arithmetic() {
        assertEquals(0x16B374D848L, Lsn.parse("16/B374D848"));
        assertEquals("16/B374D848", Lsn.format(Lsn.parse("16/B374D848")));
        assertEquals(0x100000000L - 0x10, Lsn.diff("1/0", "0/10"));
        assertEquals(null, Lsn.diff(null, "0/10"));
        assertThrows(IllegalArgumentException.class, () -> Lsn.parse("16B374D848"));
    }

    @Test
    void durations() {
        assertEquals(250.0, DurationText.toMillis("250ms"));
        assertEquals(1500.0, DurationText.toMillis("1.5s"));
        assertEquals(2000.0, DurationText.toMillis("2"));
        assertEquals(60_000.0, DurationText.toMillis("1m"));
        assertThrows(IllegalArgumentException.class, () -> DurationText.toMillis("soon"));
        assertThrows(IllegalArgumentException.class, () -> DurationText.toMillis("-1s"));
        assertEquals(10_000.0, DurationText.apps("a=1s, migrations=10s").get("migrations"));
    }
}
