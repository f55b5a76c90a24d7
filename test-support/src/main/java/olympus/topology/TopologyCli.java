package olympus.topology;

import olympus.render.NatsRole;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code deploy/local/topology COMMAND [options]}: the operator's handle on the local topology.
 * Exit codes: 0 done, 1 failed (the message says why and what to do), 2 bad usage.
 */
public final class TopologyCli {
    private TopologyCli() {}

    static final String USAGE = """
            usage: deploy/local/topology COMMAND [--dir DIR] [--base-port N] [--regions N] [--hosts]

              up                    start every server (idempotent; restarts dead ones)
              up --hosts            the same, each region in its own network namespace (root only)
              status                one table: every server, region, role, port, alive, replication
              down [--keep]         stop everything; --keep leaves the working directory
              cut REGION            cut every link between REGION and the others
              heal REGION           restore them
              kill SERVER           kill -9 one server (names as in status, e.g. pg-us-east)
              restart SERVER        start a killed server again
              pause-replay REGION   pause WAL replay on REGION's replica
              resume-replay REGION  resume it
              env REGION [ROLE]     shell variables to reach REGION's servers (NATS user ROLE)
              host REGION           the address REGION's servers listen on (127.0.0.1, or its namespace's)
              wrap REGION           the command prefix that runs a process in REGION ("ip netns exec NS"
                                    in hosts mode, nothing otherwise)

            defaults: --dir $OLYMPUS_TOPOLOGY_DIR or /tmp/olympus-local, --base-port $OLYMPUS_BASE_PORT or 24000, --regions 3,
            --hosts if $OLYMPUS_TOPOLOGY_HOSTS=1; a topology that is up keeps the mode it was started in
            """;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        List<String> pos = new ArrayList<>();
        String envDir = System.getenv("OLYMPUS_TOPOLOGY_DIR");
        Path dir = Path.of(envDir != null && !envDir.isBlank() ? envDir : "/tmp/olympus-local");
        String envBase = System.getenv("OLYMPUS_BASE_PORT");
        int base = envBase != null && !envBase.isBlank() ? Integer.parseInt(envBase.strip()) : TopologySpec.DEFAULT_BASE_PORT;
        int regions = 3;
        boolean keep = false;
        boolean hosts = TopologySpec.hostsFromEnv();
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--dir" -> dir = Path.of(args[++i]);
                    case "--base-port" -> base = Integer.parseInt(args[++i]);
                    case "--regions" -> regions = Integer.parseInt(args[++i]);
                    case "--keep" -> keep = true;
                    case "--hosts" -> hosts = true;
                    case "-h", "--help" -> {
                        System.out.print(USAGE);
                        return 0;
                    }
                    default -> pos.add(args[i]);
                }
            }
        } catch (RuntimeException e) {
            System.err.print("bad option: " + e.getMessage() + "\n" + USAGE);
            return 2;
        }
        if (pos.isEmpty()) {
            System.err.print(USAGE);
            return 2;
        }
        String cmd = pos.get(0);
        try {
            LocalTopology t = LocalTopology.exists(dir)
                    ? LocalTopology.load(dir, TopologyCli::progress)
                    : LocalTopology.of(new TopologySpec(TopologySpec.regionNames(regions), base, dir).withHosts(hosts),
                    TopologyCli::progress);
            switch (cmd) {
                case "up" -> {
                    t.up();
                    System.out.print(t.statusTable());
                }
                case "status" -> {
                    if (!LocalTopology.exists(dir)) {
                        System.out.println("no topology in " + dir + ": run deploy/local/topology up");
                        return 1;
                    }
                    System.out.print(t.statusTable());
                }
                case "down" -> {
                    t.down(!keep);
                    List<Integer> used = t.portsInUse();
                    List<String> net = t.namespacesLeft();
                    System.out.println(used.isEmpty() && net.isEmpty() ? "down: no process left, no port in use"
                            : "down, but " + (used.isEmpty() ? "" : "ports still in use: " + used + " ")
                            + (net.isEmpty() ? "" : "namespaces/interfaces left: " + net));
                    return used.isEmpty() && net.isEmpty() ? 0 : 1;
                }
                case "cut" -> System.out.println(t.cutStatusAfter(() -> t.cut(arg(pos, 1, "REGION"))));
                case "heal" -> System.out.println(t.cutStatusAfter(() -> t.heal(arg(pos, 1, "REGION"))));
                case "kill" -> {
                    t.kill(arg(pos, 1, "SERVER"));
                    System.out.println("killed " + pos.get(1));
                }
                case "restart" -> {
                    t.restart(arg(pos, 1, "SERVER"));
                    System.out.println("restarted " + pos.get(1));
                }
                case "pause-replay" -> {
                    t.pauseReplay(arg(pos, 1, "REGION"));
                    System.out.println("replay paused on " + pos.get(1));
                }
                case "resume-replay" -> {
                    t.resumeReplay(arg(pos, 1, "REGION"));
                    System.out.println("replay resumed on " + pos.get(1));
                }
                case "host" -> System.out.println(t.host(arg(pos, 1, "REGION")));
                case "wrap" -> System.out.println(String.join(" ", t.inRegion(arg(pos, 1, "REGION"), List.of())));
                case "env" -> System.out.print(t.env(arg(pos, 1, "REGION"),
                        pos.size() > 2 ? NatsRole.valueOf(pos.get(2).toUpperCase().replace('-', '_')) : NatsRole.OBSERVER));
                default -> {
                    System.err.print("unknown command '" + cmd + "'\n" + USAGE);
                    return 2;
                }
            }
            return 0;
        } catch (UsageException e) {
            System.err.print(e.getMessage() + "\n" + USAGE);
            return 2;
        } catch (RuntimeException e) {
            System.err.println("error: " + e.getMessage());
            return 1;
        }
    }

    private static void progress(String line) {
        System.err.println("topology: " + line);
    }

    private static String arg(List<String> pos, int i, String name) {
        if (pos.size() <= i) {
            throw new UsageException(pos.get(0) + " needs " + name);
        }
        return pos.get(i);
    }

    static final class UsageException extends RuntimeException {
        UsageException(String m) {
            super(m);
        }
    }
}
