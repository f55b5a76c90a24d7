package olympus.failover.core;

import olympus.wire.ClusterTopology;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Switchover and failover preflights as tables: situation in, verdict and reason out. */
class PreflightTest {
    static final long MIB = 1024 * 1024;
    static final long NOW = 1_000_000;
    static final Preflight.Limits LIMITS = new Preflight.Limits(MIB, 2, 5000, 8000);
    static final ClusterTopology T = ClusterTopology.initial("us-east", List.of("us-east", "eu-west", "ap-south"), Instant.EPOCH);

    /** Node spec: "P" writable primary at lsn, "F" fenced primary, "R" replica at lsn, "X" unreachable. */
    static NodeStatus node(String region, String spec) {
        char k = spec.charAt(0);
        Long lsn = spec.length() > 1 ? Long.valueOf(spec.substring(1)) : null;
        return switch (k) {
            case 'P' -> new NodeStatus(region, true, false, false, lsn, null, null);
            case 'F' -> new NodeStatus(region, true, false, true, lsn, null, null);
            case 'R' -> new NodeStatus(region, true, true, false, lsn, lsn, null);
            default -> NodeStatus.unreachable(region, "connection refused");
        };
    }

    static ClusterView view(String us, String eu, String ap, String downObservers, Long lastPrimaryLsn) {
        Map<String, NodeStatus> n = new LinkedHashMap<>();
        n.put("us-east", node("us-east", us));
        n.put("eu-west", node("eu-west", eu));
        n.put("ap-south", node("ap-south", ap));
        List<Observation> obs = new ArrayList<>();
        if (downObservers != null && !downObservers.isBlank()) {
            for (String o : downObservers.split(" ")) {
                boolean stale = o.startsWith("~");
                boolean recent = o.startsWith("!");
                String r = stale || recent ? o.substring(1) : o;
                // "!" = down for 2 s only (inside the fence grace), "~" = a stale report, else down for 20 s
                obs.add(new Observation(r, "us-east", 1, false, lastPrimaryLsn, stale ? NOW - 60_000 : NOW - 500,
                        recent ? NOW - 2_000 : NOW - 20_000, "refused"));
            }
        }
        return new ClusterView(T, n, obs, lastPrimaryLsn, NOW);
    }

    @ParameterizedTest(name = "switchover to {3}: us={0} eu={1} ap={2} -> {4}")
    @CsvSource(delimiter = '|', value = {
            "P1000    | R1000    | R1000 | eu-west | true  | candidate eu-west healthy",
            "P1000    | R1000    | R1000 | us-east | false | already the primary",
            "P1000    | R1000    | X     | eu-west | false | every region reachable; not reachable: ap-south",
            "X        | R1000    | R1000 | eu-west | false | use failover",
            "F1000    | R1000    | R1000 | eu-west | false | not writable",
            "P5000000 | R1000    | R1000 | eu-west | false | lags 4.8 MiB",
            "P1000    | P1000    | R1000 | eu-west | false | not a replica",
    })
    void switchover(String us, String eu, String ap, String to, boolean ok, String reason) {
        Verdict v = Preflight.switchover(view(us, eu, ap, null, null), to, NOW, LIMITS);
        assertEquals(ok, v.ok(), v.reason());
        assertTrue(v.reason().contains(reason), v.reason());
    }

    @ParameterizedTest(name = "failover to {3} force={4}: us={0} eu={1} ap={2} down={5} -> {6}")
    @CsvSource(delimiter = '|', value = {
            // primary down, 2 observers, both replicas current: most advanced picked
            "X     | R3000000 | R2900000 |          | false | eu-west ap-south      | true  | eu-west | candidate eu-west",
            "X     | R3000000 | R2900000 | ap-south | false | eu-west ap-south      | true  | ap-south| candidate ap-south",
            // lag guard: 3 MiB behind the last primary position
            "X     | R3000000 | R100     | ap-south | false | eu-west ap-south      | false |         | over the limit 1.0 MiB",
            "X     | R3000000 | R100     | ap-south | true  | eu-west ap-south      | true  | ap-south| FORCED despite lag",
            // observer quorum
            "X     | R3000000 | R3000000 |          | false | eu-west               | false |         | only 1 region(s)",
            "X     | R3000000 | R3000000 |          | false | eu-west ~ap-south     | false |         | only 1 region(s)",
            "X     | R3000000 | R3000000 | eu-west  | true  | eu-west               | true  | eu-west | FORCED without observer quorum",
            // the primary is fine: switchover, not failover
            "P3000000 | R3000000 | R3000000 | eu-west | false | eu-west ap-south   | false |         | use switchover",
            "X     | X        | X        |          | false | eu-west ap-south      | false |         | no reachable replica",
            "X     | X        | R3000000 | eu-west  | false | eu-west ap-south      | false |         | candidate eu-west is unreachable",
            "X     | R3000000 | R3000000 | us-east  | false | eu-west ap-south      | false |         | is the current primary",
            // a cut-off primary gets time to fence itself before anything else is promoted
            "X     | R3000000 | R3000000 | eu-west  | false | !eu-west !ap-south    | false |         | has fenced itself first",
            "X     | R3000000 | R3000000 | eu-west  | false | eu-west !ap-south     | false |         | unreachable for only 2000 ms",
            "X     | R3000000 | R3000000 | eu-west  | true  | !eu-west !ap-south    | true  | eu-west | candidate eu-west",
    })
    void failover(String us, String eu, String ap, String to, boolean force, String down, boolean ok, String candidate, String reason) {
        Verdict v = Preflight.failover(view(us, eu, ap, down, 3_000_000L), to == null || to.isBlank() ? null : to.strip(), force, NOW, LIMITS);
        assertEquals(ok, v.ok(), v.reason());
        if (ok) {
            assertEquals(candidate.strip(), v.candidate());
        }
        assertTrue(v.reason().contains(reason), v.reason());
    }

    @org.junit.jupiter.api.Test
    void unknownPrimaryPositionIsNotGuessed() {
        Verdict v = Preflight.failover(view("X", "R1000", "R1000", "eu-west ap-south", null), "eu-west", false, NOW, LIMITS);
        assertEquals(false, v.ok());
        assertTrue(v.reason().contains("unknown"), v.reason());
    }

    /** The old primary's agent heartbeat decides whether it can still be writable: one row per reason. */
    @ParameterizedTest(name = "primary's agent heartbeat {0} ms ago, within {1} ms, self-fenced {2} force {3} -> {4}")
    @CsvSource(delimiter = '|', value = {
            // cut off 20 s ago: its last heartbeat is as old, long past F + I + 2A + skew
            "20000 | 5500 | false | false | true  | candidate eu-west | ",
            // still heartbeating (a partial partition): the coordinators lost it, the quorum did not
            "400   | 5500 | false | false | false | proved the control quorum 400 ms ago | ",
            // 6 s ago: 5.5 s + 1 s skew not yet passed
            "6000  | 5500 | false | false | false | waits 500 ms more | ",
            "7000  | 5500 | false | false | true  | candidate eu-west | ",
            // its self-fence is off: only the fence grace (8 s) covers it
            "7000  | -1   | false | false | false | its self-fence is off | ",
            // it says it fenced itself: nothing to wait for
            "400   | 5500 | true  | false | true  | candidate eu-west | ",
            // the SRE's word
            "400   | 5500 | false | true  | true  | candidate eu-west | ",
            // its database is down (crashed, stopped): nothing there takes writes
            "400   | 5500 | false | false | true  | candidate eu-west | DOWN",
            "400   | 5500 | false | false | true  | candidate eu-west | FENCED_PRIMARY",
    })
    void theOldPrimarysAgentHeartbeat(long agoMs, long within, boolean selfFenced, boolean force, boolean ok, String reason, String role) {
        ClusterView base = view("X", "R3000000", "R3000000", "eu-west ap-south", 3_000_000L);
        AgentHeartbeat hb = new AgentHeartbeat("us-east", Instant.ofEpochMilli(NOW - agoMs).toString(),
                role == null ? "WRITABLE_PRIMARY" : role.strip(), selfFenced,
                within < 0 ? -1 : 3000, within);
        ClusterView v = new ClusterView(base.topology(), base.nodes(), base.observations(), base.lastKnownPrimaryLsn(), NOW,
                Map.of("us-east", hb));
        Verdict verdict = Preflight.failover(v, "eu-west", force, NOW, LIMITS);
        assertEquals(ok, verdict.ok(), verdict.reason());
        assertTrue(verdict.reason().contains(reason), verdict.reason());
    }

    /** A primary whose agent is dead but whose PostgreSQL still streams to a replica: one row per reason. */
    @ParameterizedTest(name = "eu-west streams from {0}, last message {1} ms ago, force {2} -> {3}")
    @CsvSource(delimiter = '|', value = {
            // alive: a heartbeat's WAL arrived 300 ms ago
            "us-east  | 300   | false | false | is alive: eu-west received its WAL 300 ms ago",
            // the SRE's word (they stopped it by hand)
            "us-east  | 300   | true  | true  | candidate eu-west",
            // cut or dead: its last message is older than half the fence grace (8 s)
            "us-east  | 9000  | false | true  | candidate eu-west",
            "us-east  | 4000  | false | true  | candidate eu-west",
            "us-east  | 3999  | false | false | is alive",
            // streaming from someone else (a cascade), or not at all
            "ap-south | 300   | false | true  | candidate eu-west",
            "         |       | false | true  | candidate eu-west",
    })
    void aPrimaryStillStreamingIsAlive(String upstream, Long ageMs, boolean force, boolean ok, String reason) {
        ClusterView base = view("X", "R3000000", "R3000000", "eu-west ap-south", 3_000_000L);
        Map<String, NodeStatus> nodes = new java.util.LinkedHashMap<>(base.nodes());
        NodeStatus eu = nodes.get("eu-west");
        nodes.put("eu-west", new NodeStatus(eu.region(), eu.reachable(), eu.inRecovery(), eu.readOnly(), eu.walLsn(), eu.replayLsn(),
                eu.error(), eu.hostReachable(), upstream == null ? null : upstream.strip(), ageMs));
        ClusterView v = new ClusterView(base.topology(), nodes, base.observations(), base.lastKnownPrimaryLsn(), NOW, Map.of());
        Verdict verdict = Preflight.failover(v, "eu-west", force, NOW, LIMITS);
        assertEquals(ok, verdict.ok(), verdict.reason());
        assertTrue(verdict.reason().contains(reason), verdict.reason());
    }
}
