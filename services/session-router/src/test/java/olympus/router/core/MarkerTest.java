package olympus.router.core;

import olympus.wire.Lsn;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MarkerTest {
    @Test
    void roundTrips() {
        Marker a = new Marker(Marker.Kind.WRITE, 3, Lsn.parse("1/2A"), null, "eu-west");
        Marker b = new Marker(Marker.Kind.SESSION, 12, null, Instant.ofEpochMilli(1_767_225_600_123L), "ap-south");
        assertEquals(a, Marker.decode(a.encode()));
        assertEquals(b, Marker.decode(b.encode()));
    }

    @Test
    void encodingOrdersByEpochThenLsn() {
        String lo = new Marker(Marker.Kind.WRITE, 3, Lsn.parse("0/FFFFFFFF"), null, "x").encode().substring(5, 34);
        String hi = new Marker(Marker.Kind.WRITE, 3, Lsn.parse("1/0"), null, "x").encode().substring(5, 34);
        String none = new Marker(Marker.Kind.WRITE, 3, null, Instant.now(), "x").encode().substring(5, 34);
        String nextEpoch = new Marker(Marker.Kind.WRITE, 4, Lsn.parse("0/1"), null, "x").encode().substring(5, 34);
        assertTrue(hi.compareTo(lo) > 0);
        assertTrue(lo.compareTo(none) > 0, "a known position beats an unknown one");
        assertTrue(nextEpoch.compareTo(hi) > 0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "garbage", "v1|W|x|y|z|r", "v2|W|000000000001|0000000000000001|0000000000000|r",
            "v1|Q|000000000001|0000000000000001|0000000000000|r", "v1|W|000000000001|----------------|0000000000000|r"})
    void corruptValuesReadAsNoMarker(String s) {
        assertNull(Marker.decode(s));
    }

    @Test
    void lsnParsesAndCompares() {
        assertEquals(0x3000148L, Lsn.parse("0/3000148"));
        assertEquals("16/B374D848", Lsn.format(Lsn.parse("16/B374D848")));
        assertTrue(Lsn.atOrAfter(Lsn.parse("1/0"), Lsn.parse("0/FFFFFFFF")));
        assertThrows(IllegalArgumentException.class, () -> Lsn.parse("3000148"));
        assertThrows(IllegalArgumentException.class, () -> Lsn.parse("0/xyz"));
    }

    @Test
    void aSampleFromTheFutureIsRefusedOrKeptAsTakenNow() {
        RoutingState s = new RoutingState("eu-west", RouterTest.REGIONS, "us-east");
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        // Forged or from a host whose clock runs far ahead: refused, and the real sample still lands.
        assertEquals(RoutingState.Update.FROM_THE_FUTURE,
                s.offer(new ReplicaLag("eu-west", "us-east", 1, 10L, "OK", now.plusSeconds(86_400)), now));
        assertEquals(RoutingState.Update.APPLIED, s.offer(new ReplicaLag("eu-west", "us-east", 1, 10L, "OK", now), now));
        // Within the clock tolerance: kept as taken now, so the next real sample replaces it.
        assertEquals(RoutingState.Update.APPLIED,
                s.offer(new ReplicaLag("eu-west", "us-east", 1, 11L, "OK", now.plusMillis(1500)), now.plusMillis(1)));
        assertEquals(now.plusMillis(1), s.view().lag().get("eu-west").sampledAt());
        assertEquals(RoutingState.Update.APPLIED, s.offer(new ReplicaLag("eu-west", "us-east", 1, 12L, "OK", now.plusMillis(500)), now.plusMillis(500)));
    }

    @Test
    void stateKeepsNewestSampleAndNeverGoesBackARevision() {
        RoutingState s = new RoutingState("eu-west", RouterTest.REGIONS, "us-east");
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        assertEquals(RoutingState.Update.APPLIED, s.offer(new ReplicaLag("eu-west", "us-east", 1, 10L, "OK", t0), t0));
        assertEquals(RoutingState.Update.OLDER_IGNORED, s.offer(new ReplicaLag("eu-west", "us-east", 1, 5L, "OK", t0.minusMillis(1)), t0));
        assertEquals(RoutingState.Update.UNKNOWN_REGION, s.offer(new ReplicaLag("mars", "us-east", 1, 5L, "OK", t0), t0));
        assertEquals(TopologyFeed.Action.APPLY, s.offer(RouterTest.topo("eu-west", 5, java.util.Set.of("us-east")), 2).action());
        assertEquals(TopologyFeed.Action.IGNORE, s.offer(RouterTest.topo("us-east", 4, java.util.Set.of("eu-west")), 1).action());
        assertEquals("eu-west", s.view().topology().primary());
    }
}
