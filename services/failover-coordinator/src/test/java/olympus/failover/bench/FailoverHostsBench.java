package olympus.failover.bench;

import olympus.failover.core.CommandResult;
import olympus.failover.it.CoordinatorProcesses;
import olympus.failover.it.WriterAndChecker;
import olympus.topology.LocalTopology;
import olympus.topology.PgRoles;
import olympus.topology.TopologyExtension;
import olympus.topology.TopologySpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * bench/run failover-hosts. One run in hosts mode (a network namespace per region, coordinators
 * and node agents as processes inside their regions) on a private topology:
 * <ol>
 *   <li>planned switchover there and back under write load through every region's PgBouncer:
 *       command time, the writers' longest stall, failed transactions, lost rows, polls that saw
 *       two writable primaries (asked from inside each region);</li>
 *   <li>the primary's region cut at its link: how long until its PostgreSQL refuses writes (its
 *       own agent's self-fence, no coordinator involved), against the earliest moment a failover
 *       may promote (the coordinators' fence grace);</li>
 *   <li>the failover that follows: from the command to the first write acknowledged on the new
 *       primary through PgBouncer; polls with two writable primaries during the cut.</li>
 * </ol>
 * Targets (issue 15): switchover <= 1.5 s, stall <= 1 s, 0 failed, 0 lost, 0 two primaries,
 * failover <= 1 s from the command, cut_fenced_s below the fence grace.
 */
public final class FailoverHostsBench {
    static final double FENCE_GRACE_S = 8.0;

    public static void main(String[] args) throws Exception {
        int base = TopologyExtension.freeBase();
        Path dir = Files.createTempDirectory("olympus-failover-hosts-bench-");
        LocalTopology topo = LocalTopology.of(new TopologySpec(TopologySpec.regionNames(3), base, dir).withHosts(true),
                l -> System.err.println("[topology] " + l));
        topo.up();
        try (CoordinatorProcesses fleet = new CoordinatorProcesses(topo, Map.of())) {
            System.err.println("leader: " + fleet.awaitLeader());
            run(topo, fleet);
        } finally {
            // OLYMPUS_BENCH_KEEP=1 keeps the folder (every process's log) to read where the time went.
            boolean keep = "1".equals(System.getenv("OLYMPUS_BENCH_KEEP"));
            topo.down(!keep);
            if (keep) {
                System.err.println("kept " + dir + " (OLYMPUS_BENCH_KEEP=1): the processes' logs are there");
            }
        }
    }

    static void run(LocalTopology topo, CoordinatorProcesses fleet) throws Exception {
        // ---- 1. switchover there and back under load in every region
        List<WriterAndChecker> writers = new ArrayList<>();
        for (String r : topo.regions()) {
            WriterAndChecker w = new WriterAndChecker(topo, r, "bench_hosts_" + r.replace('-', '_'));
            writers.add(r.equals("eu-west") ? w.start() : w.startWriterOnly());
        }
        Thread.sleep(3000);
        CommandResult there = expectDone(fleet.run("switchover", Map.of("to", "eu-west")));
        Thread.sleep(2000);
        CommandResult back = expectDone(fleet.run("switchover", Map.of("to", "us-east")));
        Thread.sleep(1000);
        int failed = 0;
        long lost = 0;
        double stall = 0;
        for (WriterAndChecker w : writers) {
            w.close();
            failed += w.failed.get();
            lost += w.lost("us-east");
            stall = Math.max(stall, w.maxStallNanos.get() / 1e9);
        }
        int twoPrimaries = writers.get(1).twoPrimaries.get();
        double switchoverS = Math.max(there.totalMillis(), back.totalMillis()) / 1000.0;

        // ---- 2. cut the primary's region: its agent fences it by itself
        Thread.sleep(3000);
        double cutFencedS;
        double failoverS = -1;
        List<String> firstWriteErrors = new java.util.ArrayList<>();
        double firstAcceptedS = -1;
        int failoverAttempts = 0;
        int cutTwoPrimaries;
        int cutPolls;
        try (WriterAndChecker w = new WriterAndChecker(topo, "eu-west", "bench_hosts_cut").start()) {
            Thread.sleep(2000);
            long t0 = System.nanoTime();
            topo.cut("us-east");
            try {
                while (topo.writablePrimary("us-east")) {
                    if (System.nanoTime() - t0 > Duration.ofSeconds(30).toNanos()) {
                        throw new IllegalStateException("us-east still writable 30 s after the cut");
                    }
                    Thread.sleep(20);
                }
                cutFencedS = (System.nanoTime() - t0) / 1e9;
                // ---- 3. failover as soon as the grace allows it; time from the accepted command
                fleet.useSreIn("eu-west");
                while (System.nanoTime() - t0 < (long) (FENCE_GRACE_S * 1e9)) {
                    Thread.sleep(50);
                }
                // Retried as an SRE would: refused while the grace runs, failed while the control
                // cluster re-elects the leaders the cut region held. Timed from the command that worked.
                long c0;
                CommandResult f;
                int attempts = 0;
                while (true) {
                    c0 = System.nanoTime();
                    f = fleet.run("failover", Map.of("to", "eu-west"));
                    attempts++;
                    if (f.ok() || System.nanoTime() - t0 > Duration.ofSeconds(90).toNanos()) {
                        break;
                    }
                    Thread.sleep(200);
                }
                expectDone(f);
                firstAcceptedS = (c0 - t0) / 1e9;
                failoverAttempts = attempts;
                long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (System.nanoTime() < end) {
                    try (Connection c = DriverManager.getConnection(topo.pgBouncerJdbcUrl("ap-south") + "&connectTimeout=2&socketTimeout=5",
                            PgRoles.APP, topo.credentials().pgPassword(PgRoles.APP)); Statement st = c.createStatement()) {
                        st.execute("INSERT INTO bench_hosts_cut (id) VALUES (-1)");
                        failoverS = (System.nanoTime() - c0) / 1e9;
                        break;
                    } catch (java.sql.SQLException notYet) {
                        // what held the first write back, once per kind, with when (from the command)
                        String kind = String.valueOf(notYet.getMessage()).replaceAll("[0-9]+", "N");
                        if (firstWriteErrors.size() < 5 && firstWriteErrors.stream().noneMatch(e -> e.endsWith(kind))) {
                            firstWriteErrors.add(String.format("%.2f s: %s", (System.nanoTime() - c0) / 1e9, kind));
                        }
                        Thread.sleep(20);
                    }
                }
            } finally {
                topo.heal("us-east");
            }
            w.close();
            cutTwoPrimaries = w.twoPrimaries.get();
            cutPolls = w.polls.get();
        }
        System.out.printf("%nfailover-hosts (hosts mode: a namespace per region, agents and coordinators inside)%n");
        System.out.printf("  switchover there %.2f s, back %.2f s; max stall %.2f s; failed %d; lost %d; two primaries %d of %d polls%n",
                there.totalMillis() / 1000.0, back.totalMillis() / 1000.0, stall, failed, lost, twoPrimaries, writers.get(1).polls.get());
        System.out.printf("  cut us-east: fenced by its own agent after %.2f s; earliest promotion (fence grace) %.1f s; ratio %.2f%n",
                cutFencedS, FENCE_GRACE_S, cutFencedS / FENCE_GRACE_S);
        System.out.printf("  failover command to first acknowledged write through ap-south's PgBouncer: %.2f s (the command that worked was "
                + "sent %.2f s after the cut, attempt %d); two primaries %d of %d polls%n", failoverS, firstAcceptedS, failoverAttempts,
                cutTwoPrimaries, cutPolls);
        firstWriteErrors.forEach(e -> System.out.println("    first write after the failover, refused at " + e));
        System.out.printf("RESULT failover-hosts switchover_s=%.2f max_stall_s=%.2f failed_tx=%d lost_rows=%d two_primaries=%d failover_s=%.2f "
                        + "cut_fenced_s=%.2f cut_two_primaries=%d%n", switchoverS, stall, failed, lost, twoPrimaries, failoverS, cutFencedS,
                cutTwoPrimaries);
    }

    static CommandResult expectDone(CommandResult r) {
        if (!r.ok()) {
            throw new IllegalStateException(r.verb() + " " + r.outcome() + ": " + r.reason());
        }
        return r;
    }
}
