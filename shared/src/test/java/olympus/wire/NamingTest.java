package olympus.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import olympus.wire.Naming.Family;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class NamingTest {

    @Test
    void subjects() {
        assertEquals("olympus.revocation.us-east.token", Naming.subject(Family.REVOCATION, "us-east", "token"));
        assertEquals("olympus.lag.eu-west.>", Naming.originSubjects(Family.LAG, "eu-west"));
        assertEquals("olympus.audit.*.>", Naming.allSubjects(Family.AUDIT));
        assertEquals("olympus.deadletter.revocation.us-east", Naming.deadLetterSubject(Family.REVOCATION, "us-east"));
        assertEquals("olympus.control.cmd.alice.switchover", Naming.controlCommand("alice", "switchover"));
        assertEquals("alice", Naming.operatorOf("olympus.control.cmd.alice.switchover"));
        assertEquals(null, Naming.operatorOf("olympus.control.cmd.switchover"));
        assertEquals(null, Naming.operatorOf("olympus.control.cmd.alice.switchover.extra"));
        assertEquals("sre-alice", Naming.operatorUser("alice"));
        assertEquals("alice", Naming.operatorOfUser("sre-alice"));
        assertEquals(null, Naming.operatorOfUser("observer"));
    }

    @Test
    void subjectsParseBack() {
        String subject = Naming.subject(Family.REVOCATION, "ap-south-1", "session");

        assertEquals("ap-south-1", Naming.regionOf(subject));
        assertEquals("session", Naming.kindOf(subject));
        assertNull(Naming.regionOf("olympus.topology.announce"));
        assertNull(Naming.regionOf("other.revocation.us-east.token"));
    }

    @Test
    void streamsAndDomains() {
        assertEquals("REVOCATION_ORIGIN_US_EAST", Naming.originStream(Family.REVOCATION, "us-east"));
        assertEquals("LAG_VIEW", Naming.viewStream(Family.LAG));
        assertEquals(List.of("AUDIT_ORIGIN_EU_WEST_2", "AUDIT_VIEW"), Naming.regionStreams(Family.AUDIT, "eu-west-2"));
        assertEquals("us-east", Naming.domain("us-east"));
        assertEquals("$JS.us-east.API", Naming.apiPrefix("us-east"));
        assertEquals("KV_olympus_lag", Naming.kvStream(Naming.LAG_BUCKET));
    }

    @ParameterizedTest
    @ValueSource(strings = {"us-east", "eu-west-1", "ap", "a1", "abcdefghijklmnopqrstuvwxyz012345"})
    void validRegionsPass(String region) {
        assertEquals(region, Naming.requireRegion(region));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"a", "US-East", "us_east", "us.east", "us east", "us*", "us>", "-us", "us-", "1us",
            "abcdefghijklmnopqrstuvwxyz0123456"})
    void invalidRegionsAreRejected(String region) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Naming.requireRegion(region));
        assertTrue(e.getMessage().contains("invalid region name"), e.getMessage());
    }

    @Test
    void subjectBuildersRejectBadRegions() {
        // A '.', '*' or '>' in a region would silently change what a subject or filter matches.
        assertThrows(IllegalArgumentException.class, () -> Naming.subject(Family.LAG, "us.east", "sample"));
        assertThrows(IllegalArgumentException.class, () -> Naming.originSubjects(Family.LAG, "*"));
        assertThrows(IllegalArgumentException.class, () -> Naming.originStream(Family.LAG, "US"));
    }
}
