package olympus.failover.bench;

import olympus.wire.Lsn;

import olympus.failover.core.CommandResult;
import olympus.failover.it.Coordinators;
import olympus.failover.it.WriterAndChecker;
import olympus.failover.core.NodeAgent;
import olympus.failover.nats.ControlKv;
import olympus.failover.node.RemoteNodeAgent;
import olympus.render.NatsRole;
import olympus.topology.NodeAgents;
import olympus.wire.FencingToken;
import olympus.topology.LocalTopology;
import olympus.topology.PgRoles;
import olympus.topology.TopologySpec;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

/**
 * bench/run failover. Runs on a private topology (it kills the primary; the shared demo topology in
 * OLYMPUS_TOPOLOGY_DIR is left alone). From one run:
 * <ol>
 *   <li>baseline: the manual runbook (stop the primary, promote, repoint each PgBouncer with RELOAD,
 *       no PAUSE) with the same writer, there and back;</li>
 *   <li>the coordinator's planned switchover there and back: total time, writer's longest stall,
 *       failed transactions, lost rows, moments with two writable primaries;</li>
 *   <li>kill -9 of the primary, then failover: time from the command to the first acknowledged
 *       write on the new primary through PgBouncer.</li>
 * </ol>
 */
public final class FailoverBench {
    public static void main(String[] args) throws Exception {
        int base = freeBase();
        Path dir = Files.createTempDirectory("olympus-failover-bench-");
        LocalTopology topo = LocalTopology.of(new TopologySpec(TopologySpec.regionNames(3), base, dir), l -> System.err.println("[topology] " + l));
        topo.up();
        try {
            run(topo);
        } finally {
            topo.down(true);
        }
    }

    /**
     * A base port whose whole block is free: a topology that fails to start cleans up by port, so
     * it must never start on top of someone else's.
     */
    static int freeBase() {
        java.util.Random rnd = new java.util.Random();
        for (int attempt = 0; attempt < 50; attempt++) {
            int base = 20000 + rnd.nextInt(40) * 1000;
            boolean free = true;
            for (int p = base; p < base + olympus.topology.Ports.SPAN && free; p++) {
                try (ServerSocket s = new ServerSocket()) {
                    s.bind(new java.net.InetSocketAddress("127.0.0.1", p));
                } catch (java.io.IOException e) {
                    free = false;
                }
            }
            if (free) {
                return base;
            }
        }
        throw new IllegalStateException("no free block of " + olympus.topology.Ports.SPAN + " ports");
    }

    record Pass(double totalS, double stallS, int failed, long lost, int twoPrimaries, int acked) {}

    static void run(LocalTopology topo) throws Exception {
        // ---- baseline: the manual runbook, no PAUSE, through the same node agents, as an SRE
        // holding the current term would run it
        Pass b1;
        Pass b2;
        // Self-fence off: a manual runbook does not move the primary in the control KV, and an
        // agent that sees a primary the KV does not name fences it (that is what it is for).
        try (NodeAgents agents = new NodeAgents(topo, Map.of("OLYMPUS_AGENT_SELF_FENCE", "false")).startAll();
             io.nats.client.Connection nc = topo.connect("us-east", NatsRole.FAILOVER_COORDINATOR)) {
            ControlKv kv = new ControlKv(nc, Duration.ofSeconds(2));
            NodeAgent agent = new RemoteNodeAgent(nc, () -> manualToken(kv), Duration.ofSeconds(2));
            b1 = measure(topo, "baseline_writes", () -> manual(agent, topo, "us-east", "eu-west"), "eu-west");
            b2 = measure(topo, "baseline_writes_back", () -> manual(agent, topo, "eu-west", "us-east"), "us-east");
        }

        // ---- the coordinator
        try (Coordinators c = new Coordinators(topo, Map.of())) {
            c.awaitLeader();
            Thread.sleep(2000);
            Pass s1 = measure(topo, "bench_writes", () -> expectDone(c.run("switchover", Map.of("to", "eu-west"))), "eu-west");
            Pass s2 = measure(topo, "bench_writes_back", () -> expectDone(c.run("switchover", Map.of("to", "us-east"))), "us-east");

            // ---- emergency failover
            Thread.sleep(2500);
            topo.kill("pg-us-east");
            Thread.sleep(9500); // observers see it gone for longer than the fence grace (8 s): a cut-off primary would have fenced itself
            long t0 = System.nanoTime();
            CommandResult f = c.run("failover", Map.of());
            expectDone(f);
            double failoverS = -1;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                try (Connection conn = DriverManager.getConnection(topo.pgBouncerJdbcUrl("ap-south") + "&connectTimeout=2&socketTimeout=5",
                        PgRoles.APP, topo.credentials().pgPassword(PgRoles.APP)); Statement st = conn.createStatement()) {
                    st.execute("INSERT INTO bench_writes (id) VALUES (-1)");
                    failoverS = (System.nanoTime() - t0) / 1e9;
                    break;
                } catch (java.sql.SQLException e) {
                    Thread.sleep(20);
                }
            }

            System.out.println();
            System.out.println("                      total_s  max_stall_s  failed_tx  lost_rows  two_primaries  acked");
            row("baseline (manual) ->", b1);
            row("baseline (manual) <-", b2);
            row("coordinator      ->", s1);
            row("coordinator      <-", s2);
            System.out.printf("ratios coordinator/baseline: total %.2f, max stall %.2f, failed_tx %d vs %d%n",
                    Math.max(s1.totalS, s2.totalS) / Math.max(b1.totalS, b2.totalS),
                    Math.max(s1.stallS, s2.stallS) / Math.max(0.001, Math.max(b1.stallS, b2.stallS)),
                    s1.failed + s2.failed, b1.failed + b2.failed);
            System.out.printf("emergency failover (%s, chose %s): command to first acknowledged write %.2f s (coordinator's own steps %d ms)%n",
                    f.reason(), f.primary(), failoverS, f.totalMillis());
            System.out.println("anchors (BRIEF): Patroni ~ttl 30 s, pg_auto_failover 15-30 s, CloudNativePG 20-30 s, orchestrator 10-13 s; "
                    + "pg_auto_failover planned switchover worst client reconnect 2.3-3.1 s");
            System.out.printf("RESULT failover switchover_s=%.2f max_stall_s=%.2f failed_tx=%d lost_rows=%d two_primaries=%d failover_s=%.2f%n",
                    Math.max(s1.totalS, s2.totalS), Math.max(s1.stallS, s2.stallS), s1.failed + s2.failed, s1.lost + s2.lost,
                    s1.twoPrimaries + s2.twoPrimaries, failoverS);
        }
    }

    private static void row(String name, Pass p) {
        System.out.printf("%-21s %7.2f  %11.2f  %9d  %9d  %13d  %5d%n", name, p.totalS, p.stallS, p.failed, p.lost, p.twoPrimaries, p.acked);
    }

    interface Action {
        void run() throws Exception;
    }

    private static void expectDone(CommandResult r) {
        if (!r.ok()) {
            throw new IllegalStateException(r.verb() + " " + r.outcome() + ": " + r.reason());
        }
    }

    static Pass measure(LocalTopology topo, String table, Action action, String finalPrimary) throws Exception {
        WriterAndChecker w = new WriterAndChecker(topo, "ap-south", table);
        try {
            // the table must exist on whichever node is primary now
            w.start();
            Thread.sleep(1000);
            long t0 = System.nanoTime();
            action.run();
            double total = (System.nanoTime() - t0) / 1e9;
            Thread.sleep(1000);
            w.close();
            return new Pass(total, w.maxStallSeconds(), w.failed.get(), w.lost(finalPrimary), w.twoPrimaries.get(), w.acked.size());
        } finally {
            w.close();
        }
    }

    /** The runbook an SRE follows by hand today: no pause, so clients see errors while it runs. */
    /** The current lease term and epoch: the manual runbook acts with the authority the control KV shows now. */
    static FencingToken manualToken(ControlKv kv) {
        try {
            ControlKv.Versioned<olympus.failover.core.Lease> lease = kv.leaseFromLeader();
            long term = lease == null || lease.value() == null ? 0 : lease.value().term();
            return new FencingToken(term, kv.topologyFromLeader().value().epoch(), "bench manual runbook");
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the lease and topology: " + e.getMessage(), e);
        }
    }

    static void manual(NodeAgent agent, LocalTopology topo, String from, String to) {
        long lsn = agent.shutDown(from, Duration.ofSeconds(20));
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (agent.status(to).replayLsn() == null || agent.status(to).replayLsn() <= lsn) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(to + " did not replay " + Lsn.format(lsn));
            }
        }
        agent.promote(to, Duration.ofSeconds(15));
        for (String r : topo.regions()) {
            agent.repointPool(r, to);
        }
        for (String r : topo.regions()) {
            if (!r.equals(from) && !r.equals(to)) {
                agent.follow(r, to, Duration.ofSeconds(90));
            }
        }
        agent.rejoin(from, to, true, Duration.ofSeconds(60));
    }

}
