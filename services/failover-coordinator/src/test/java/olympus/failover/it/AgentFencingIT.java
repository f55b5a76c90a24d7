package olympus.failover.it;

import io.nats.client.Message;
import olympus.failover.nats.ControlKv;
import olympus.topology.LocalTopology;
import olympus.render.NatsRole;
import olympus.topology.TopologyExtension;
import olympus.wire.AgentCall;
import olympus.wire.AgentReply;
import olympus.wire.FencingToken;
import olympus.wire.Naming;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The node agent enforces the epoch where the action happens, and fences its primary by itself:
 * a request with an old fencing token is refused and nothing is done; with the primary region's
 * coordinator dead, cutting that region still fences its primary, within the agent's bound.
 */
@ExtendWith(TopologyExtension.class)
class AgentFencingIT {
    static Coordinators coordinators;
    static LocalTopology topo;

    @BeforeAll
    static void up(LocalTopology t) throws Exception {
        topo = t;
        coordinators = new Coordinators(t, Map.of());
        coordinators.awaitLeader();
    }

    @AfterAll
    static void down() throws Exception {
        coordinators.close();
        topo.repair();
    }

    /** Fenced (read-only) or down: asked the way the split-brain checker asks. */
    static boolean readOnly(String region) {
        return !topo.writablePrimary(region);
    }

    static AgentReply ask(io.nats.client.Connection nc, String region, byte[] body) throws InterruptedException {
        Message m = nc.request(Naming.agentSubject(region), body, Duration.ofSeconds(20));
        assertNotNull(m, "no reply from " + region + "'s agent");
        return AgentReply.parse(m.getData());
    }

    @Test
    void aRequestWithAnOldTokenIsRefusedAndNothingIsDone() throws Exception {
        String primary = topo.currentPrimary();
        try (io.nats.client.Connection nc = topo.connect(topo.regions().get(1), NatsRole.FAILOVER_COORDINATOR)) {
            ControlKv kv = new ControlKv(nc, Duration.ofSeconds(2));
            // A switchover raises the agents' highest token to the leader's term and the new epoch.
            await().atMost(Duration.ofSeconds(60)).until(() -> coordinators.run("switchover", Map.of("to", "eu-west")).ok()
                    || topo.currentPrimary().equals("eu-west"));
            primary = topo.currentPrimary();
            long term = kv.leaseFromLeader().value().term();
            long epoch = kv.topologyFromLeader().value().epoch();
            assertTrue(epoch >= 1, "epoch " + epoch);

            for (FencingToken old : new FencingToken[] {new FencingToken(Math.max(0, term - 1), epoch + 5, "deposed-leader"),
                    new FencingToken(term, epoch - 1, "stale-epoch")}) {
                AgentReply r = ask(nc, primary, AgentCall.of(AgentCall.Op.FENCE, old, null, null, null, null).toJson());
                System.out.println("FENCE with " + old + " -> " + r.outcome() + " " + r.code() + ": " + r.detail());
                assertEquals(AgentReply.REFUSED, r.outcome(), r.detail());
                assertEquals(AgentReply.STALE_TOKEN, r.code());
                assertTrue(r.detail().contains("nothing done"), r.detail());
                assertFalse(readOnly(primary), "a refused fence must leave the primary writable");
            }
            AgentReply pause = ask(nc, primary, AgentCall.of(AgentCall.Op.PAUSE_POOL, new FencingToken(0, 0, "ancient"), null, 1000L, null, null)
                    .toJson());
            assertEquals(AgentReply.STALE_TOKEN, pause.code(), pause.detail());

            // Bad input gets a reason, never silence, and the agent keeps serving.
            AgentReply bad = ask(nc, primary, "{not json".getBytes(StandardCharsets.UTF_8));
            assertEquals(AgentReply.BAD_REQUEST, bad.code(), bad.detail());
            AgentReply noToken = ask(nc, primary, "{\"v\":1,\"op\":\"PROMOTE\"}".getBytes(StandardCharsets.UTF_8));
            assertEquals(AgentReply.BAD_REQUEST, noToken.code(), noToken.detail());
            AgentReply status = ask(nc, primary, AgentCall.of(AgentCall.Op.STATUS, null, null, null, null, null).toJson());
            assertEquals(AgentReply.OK, status.outcome());
            assertEquals(Boolean.FALSE, status.readOnly());
            assertEquals(term, status.highest().term());

            // The current leader's own commands still go through.
            assertTrue(coordinators.run("switchover", Map.of("to", "us-east")).ok());
        }
    }

    @Test
    void onlyTheCoordinatorsMaySendAndOnlyARegionsAgentMayTakeItsRequests() throws Exception {
        // An SRE's user may not publish to an agent: the server drops it (no reply).
        try (io.nats.client.Connection sre = topo.connect(topo.regions().get(1), NatsRole.SRE)) {
            Message m = sre.request(Naming.agentSubject("us-east"), AgentCall.of(AgentCall.Op.STATUS, null, null, null, null, null).toJson(),
                    Duration.ofSeconds(2));
            assertTrue(m == null || m.isStatusMessage(), "an SRE reached a node agent directly");
        } catch (IllegalStateException refused) {
            // jnats may end the request at once on the permissions violation: the same outcome
        }
        // eu-west's agent user may not take us-east's requests.
        io.nats.client.Options o = topo.natsOptionsAs(topo.natsUrl("eu-west"),
                NatsRole.NODE_AGENT.user("eu-west"), topo.credentials().natsPassword(NatsRole.NODE_AGENT, "eu-west"))
                .errorListener(new io.nats.client.ErrorListener() { }).build();
        try (io.nats.client.Connection impostor = io.nats.client.Nats.connect(o)) {
            io.nats.client.Subscription sub = impostor.subscribe(Naming.agentSubject("us-east"));
            impostor.flush(Duration.ofSeconds(2));
            try (io.nats.client.Connection nc = topo.connect("ap-south", NatsRole.FAILOVER_COORDINATOR)) {
                for (int i = 0; i < 3; i++) {
                    Message reply = nc.request(Naming.agentSubject("us-east"),
                            AgentCall.of(AgentCall.Op.STATUS, null, null, null, null, null).toJson(), Duration.ofSeconds(5));
                    assertNotNull(reply, "the real agent answers");
                }
            }
            assertNull(sub.nextMessage(Duration.ofMillis(500)), "eu-west's agent user received us-east's requests");
        }
    }

    @Test
    void aCutOffPrimaryWithItsCoordinatorDeadIsFencedByItsAgent() throws Exception {
        String primary = topo.currentPrimary();
        coordinators.stop(primary);
        long t0 = System.nanoTime();
        topo.cut(primary);
        double fencedS;
        try {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> readOnly(primary));
            fencedS = (System.nanoTime() - t0) / 1e9;
            System.out.printf("AGENT-FENCE %s fenced itself %.2f s after the cut, its coordinator dead (bound F+I+2A = 5.5 s)%n", primary, fencedS);
            // The agent dies while its region is cut and starts again after the heal: it must still
            // know the fence is its own (on disk), or nobody ever lifts it.
            coordinators.agents.kill(primary);
        } finally {
            topo.heal(primary);
            coordinators.agents.start(primary);
        }
        assertTrue(fencedS < 5.5, "fenced after " + fencedS + " s, beyond F + I + 2A");
        // Back in contact, the topology still names it and nothing is under way: the (restarted) agent lifts its own fence.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> !readOnly(primary));
        coordinators.start(primary, Map.of());
        coordinators.awaitLeader();
    }
}
