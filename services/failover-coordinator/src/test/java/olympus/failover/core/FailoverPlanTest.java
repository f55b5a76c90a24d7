package olympus.failover.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The failover's step order, with the old primary's host reachable or cut off, and what each failure leads to. */
class FailoverPlanTest {
    static FailoverPlan plan(boolean fromReachable) {
        List<String> reachable = fromReachable ? List.of("us-east", "eu-west", "ap-south") : List.of("eu-west", "ap-south");
        return new FailoverPlan("us-east", "eu-west", List.of("us-east", "eu-west", "ap-south"), reachable, fromReachable,
                "candidate eu-west is 0 B behind", Flows.T);
    }

    static final String ALL = "PAUSE_WRITES START_PAUSE_POOLS FENCE_IF_REACHABLE AWAIT_PAUSE_POOLS PROMOTE PUBLISH_PRIMARY START_FOLLOW "
            + "REPOINT_POOLS AWAIT_FOLLOW OPEN_WRITES END_OPERATION CHECK_FOLLOWERS";

    @ParameterizedTest(name = "{0} fails -> {2}")
    @CsvSource({
            // failing,        steps run (up to),  outcome, reason
            "'',               CHECK_FOLLOWERS,    DONE,    'primary is eu-west (epoch 8); candidate eu-west is 0 B behind; us-east stays FENCED until rejoined'",
            "PAUSE_WRITES,     PAUSE_WRITES,       FAILED,  'PAUSE_WRITES broke; eu-west was not promoted: the leader abandons the failover'",
            "PROMOTE,          PROMOTE,            FAILED,  'PROMOTE broke; eu-west was not promoted'",
            "PUBLISH_PRIMARY,  PUBLISH_PRIMARY,    FAILED,  'PUBLISH_PRIMARY broke; eu-west is promoted: the leader finishes the failover forward'",
            "REPOINT_POOLS,    REPOINT_POOLS,      FAILED,  'is promoted: the leader finishes'",
            "OPEN_WRITES,      OPEN_WRITES,        FAILED,  'is promoted: the leader finishes'",
            "END_OPERATION,    CHECK_FOLLOWERS,    DONE,    'primary is eu-west (epoch 8)'",
    })
    void failures(String failing, String upTo, String outcome, String reason) {
        Flows.Walk w = Flows.walk(plan(true), Flows.set(failing), Set.of());
        assertEquals(ALL.substring(0, ALL.indexOf(upTo) + upTo.length()), w.order());
        assertEquals(outcome, w.end().outcome(), w.end().reason());
        assertTrue(w.end().reason().contains(reason), w.end().reason());
    }

    @Test
    void aCutOffPrimaryIsNeitherAskedNorWaitedFor() {
        Flows.Walk w = Flows.walk(plan(false), Set.of(), Set.of());
        assertEquals(ALL, w.order());
        for (Flow.FlowStep s : w.steps()) {
            assertTrue(!s.regions().contains("us-east"), s.action() + " addresses the cut-off us-east: " + s.regions());
        }
        Flow.FlowStep pause = w.steps().get(3);
        assertTrue(pause.note().startsWith("skipped: us-east's host is unreachable"), pause.note());
        assertEquals(List.of("ap-south"), plan(false).others());
    }

    @Test
    void poolsMayFailOneByOneTheNewPrimaryMayNot() {
        Flows.Walk w = Flows.walk(plan(true), Set.of(), Set.of());
        for (Flow.FlowStep s : w.steps()) {
            boolean pools = s.action().name().contains("POOLS");
            assertEquals(pools, s.regionsMayFail(), s.action().name());
        }
    }
}
