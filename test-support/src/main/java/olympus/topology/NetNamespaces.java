package olympus.topology;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The network of hosts mode: per node a namespace and a veth pair (names and addresses from
 * {@link HostNet}), forwarding in the root namespace so nodes reach each other, and a cut that
 * takes a node's root-side veth down. Root only.
 *
 * <p>What it changes outside its own namespaces and veths, all undone by {@link #tearDown} except
 * the first: {@code net.ipv4.ip_forward=1} (left on: another topology may use it); an
 * {@code unreachable 10.X.0.0/16} route (metric {@value HostNet#UNREACHABLE_METRIC}), so that a
 * cut node's address fails at once instead of leaving by the machine's default route; and only
 * when iptables' FORWARD policy drops, one ACCEPT rule for 10.X.0.0/16 to 10.X.0.0/16.
 */
final class NetNamespaces {
    private NetNamespaces() {}

    private static final Path NETNS = Path.of("/run/netns");
    private static final Path SYS_NET = Path.of("/sys/class/net");
    private static final Duration T = Duration.ofSeconds(10);

    static void requireTools() {
        if (!Proc.ROOT) {
            throw new TopologyException("hosts mode creates network namespaces: run as root");
        }
        if (!HostNet.IP.startsWith("/") && !onPath("ip")) {
            throw new TopologyException("hosts mode needs iproute2's ip: apt-get install -y iproute2");
        }
    }

    private static boolean onPath(String bin) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, bin))) {
                return true;
            }
        }
        return false;
    }

    private static String ip(String... args) {
        List<String> c = new ArrayList<>(List.of(HostNet.IP));
        c.addAll(List.of(args));
        return Proc.run(c, T);
    }

    static boolean namespaceExists(String ns) {
        return Files.exists(NETNS.resolve(ns));
    }

    static boolean linkExists(String dev) {
        return Files.exists(SYS_NET.resolve(dev));
    }

    /** Whether an interface is administratively up (IFF_UP in /sys/class/net/DEV/flags). */
    static boolean linkUp(String dev) {
        try {
            String flags = Files.readString(SYS_NET.resolve(dev).resolve("flags")).strip();
            return (Long.decode(flags) & 1) != 0;
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }

    /**
     * Creates (or completes) every node's namespace and veth pair; idempotent. Nodes in {@code cut}
     * keep their root-side veth down.
     */
    static void setUp(TopologySpec spec, java.util.Set<String> cut, Consumer<String> progress) {
        requireTools();
        HostNet net = spec.net();
        requireSubnetFree(net);
        enableForwarding(progress);
        allowForwarding(net, progress);
        for (int i = 0; i < spec.controlNodes(); i++) {
            String ns = net.namespace(i);
            if (!namespaceExists(ns)) {
                ip("netns", "add", ns);
            }
            if (!linkExists(net.rootVeth(i))) {
                ip("link", "add", net.rootVeth(i), "type", "veth", "peer", "name", net.nsVeth(i), "netns", ns);
            }
            ip("addr", "replace", net.gateway(i) + "/24", "dev", net.rootVeth(i));
            ip("-n", ns, "link", "set", "lo", "up");
            ip("-n", ns, "addr", "replace", net.host(i) + "/24", "dev", net.nsVeth(i));
            ip("-n", ns, "link", "set", net.nsVeth(i), "up");
            boolean isCut = cut.contains(spec.controlNodeRegion(i));
            ip("link", "set", net.rootVeth(i), isCut ? "down" : "up");
            if (!isCut) {
                ip("-n", ns, "route", "replace", "default", "via", net.gateway(i));
            }
        }
        // A cut node's /24 leaves the routing table with its veth: without this, packets to it
        // would leave by the default route (and on some machines a proxy there answers).
        if (!ip("route", "show", "type", "unreachable", net.subnet()).contains(net.subnet())) {
            ip("route", "add", "unreachable", net.subnet(), "metric", Integer.toString(HostNet.UNREACHABLE_METRIC));
        }
        progress.accept("hosts mode: namespaces " + net.namespace(0) + ".." + net.namespace(spec.controlNodes() - 1)
                + " on " + net.subnet());
    }

    /** Fails when an address of 10.X.0.0/16 sits on an interface that is not this topology's (another topology, or the machine's own network). */
    private static void requireSubnetFree(HostNet net) {
        String prefix = "10." + net.octet() + ".";
        for (String line : ip("-o", "-4", "addr", "show").lines().toList()) {
            String[] w = line.trim().split("\\s+");
            // "7: dev@if8    inet 10.200.1.1/24 ..."
            if (w.length > 3 && w[3].startsWith(prefix)) {
                String dev = w[1].replaceAll("@.*", "").replace(":", "");
                if (!net.owns(dev)) {
                    throw new TopologyException(net.subnet() + " is already in use on " + dev + " (" + w[3]
                            + "): another hosts-mode topology with a base port in the same block, or the machine's"
                            + " own network; choose another --base-port");
                }
            }
        }
    }

    private static void enableForwarding(Consumer<String> progress) {
        Path f = Path.of("/proc/sys/net/ipv4/ip_forward");
        try {
            if (!Files.readString(f).strip().equals("1")) {
                Files.writeString(f, "1\n");
                progress.accept("hosts mode: net.ipv4.ip_forward=1 (regions reach each other through the root namespace)");
            }
        } catch (IOException e) {
            throw new TopologyException("cannot set net.ipv4.ip_forward=1: " + e.getMessage(), e);
        }
    }

    private static List<String> iptables() {
        for (String p : List.of("/usr/sbin/iptables", "/sbin/iptables", "/usr/bin/iptables")) {
            if (Files.isExecutable(Path.of(p))) {
                return List.of(p);
            }
        }
        return List.of();
    }

    private static List<String> acceptRule(HostNet net) {
        return List.of("FORWARD", "-s", net.subnet(), "-d", net.subnet(), "-m", "comment", "--comment", net.prefix(), "-j", "ACCEPT");
    }

    /** Only when iptables exists and FORWARD's policy drops: one ACCEPT rule scoped to our /16 (removed by tearDown). */
    private static void allowForwarding(HostNet net, Consumer<String> progress) {
        List<String> ipt = iptables();
        if (ipt.isEmpty()) {
            return;
        }
        String rules = Proc.run(List.of(ipt.get(0), "-S", "FORWARD"), T);
        boolean drops = rules.lines().anyMatch(l -> l.startsWith("-P FORWARD DROP") || l.startsWith("-P FORWARD REJECT"));
        if (!drops || iptablesHas(ipt.get(0), net)) {
            return;
        }
        List<String> c = new ArrayList<>(List.of(ipt.get(0), "-I"));
        c.addAll(acceptRule(net)); // iptables -I FORWARD -s ...: at the head of FORWARD
        Proc.run(c, T);
        progress.accept("hosts mode: iptables FORWARD policy drops; added ACCEPT for " + net.subnet() + " (comment " + net.prefix() + ")");
    }

    private static boolean iptablesHas(String ipt, HostNet net) {
        List<String> c = new ArrayList<>(List.of(ipt, "-C"));
        c.addAll(acceptRule(net));
        try {
            Proc.run(c, T);
            return true;
        } catch (TopologyException e) {
            return false;
        }
    }

    /** Cut: the node's root-side veth down (its processes keep running and reach each other inside). */
    static void setCut(HostNet net, int node, boolean cut) {
        ip("link", "set", net.rootVeth(node), cut ? "down" : "up");
        if (!cut) {
            ip("-n", net.namespace(node), "route", "replace", "default", "via", net.gateway(node));
        }
    }

    /** This topology's namespaces and root-side interfaces that exist now, found by name. */
    static List<String> leftovers(HostNet net) {
        List<String> found = new ArrayList<>();
        for (Path dir : List.of(NETNS, SYS_NET)) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> s = Files.list(dir)) {
                s.map(p -> p.getFileName().toString()).filter(net::owns).sorted().forEach(found::add);
            } catch (IOException e) {
                // cannot list: nothing found
            }
        }
        return found;
    }

    /**
     * Removes everything {@link #setUp} made, found by name, so it also cleans up after a crashed
     * run: kills what still runs in the namespaces, deletes them, their veths, the unreachable
     * route and the iptables rule. Idempotent; nothing to do when nothing is there.
     */
    static void tearDown(HostNet net, Consumer<String> progress) {
        List<String> names = leftovers(net);
        // The subnet from the base port, and the subnets on leftover veths (a crashed run brought
        // down without knowing its base port).
        java.util.Set<String> subnets = new java.util.TreeSet<>(List.of(net.subnet()));
        for (String dev : names) {
            if (linkExists(dev) && Proc.ROOT) {
                try {
                    for (String w : ip("-o", "-4", "addr", "show", "dev", dev).split("\\s+")) {
                        if (w.matches("10\\.[0-9]+\\.[0-9]+\\.1/24")) {
                            subnets.add("10." + w.split("\\.")[1] + ".0.0/16");
                        }
                    }
                } catch (TopologyException e) {
                    // gone meanwhile
                }
            }
        }
        List<String> routes = new ArrayList<>();
        if (Proc.ROOT) {
            for (String subnet : subnets) {
                try {
                    if (ip("route", "show", "type", "unreachable", subnet).contains(subnet + " metric " + HostNet.UNREACHABLE_METRIC)) {
                        routes.add(subnet);
                    }
                } catch (TopologyException e) {
                    // no ip: nothing of ours there
                }
            }
        }
        List<String> ipt = iptables();
        List<String> rules = ipt.isEmpty() ? List.of() : ourRules(ipt.get(0), net);
        if (names.isEmpty() && routes.isEmpty() && rules.isEmpty()) {
            return;
        }
        for (String ns : names.stream().filter(n -> Files.exists(NETNS.resolve(n))).toList()) {
            killAllIn(ns);
            ip("netns", "del", ns);
        }
        for (String dev : names) {
            if (linkExists(dev)) {
                try {
                    ip("link", "del", dev);
                } catch (TopologyException e) {
                    // deleting the peer's namespace may have taken it already
                }
            }
        }
        for (String subnet : routes) {
            ip("route", "del", "unreachable", subnet, "metric", Integer.toString(HostNet.UNREACHABLE_METRIC));
        }
        for (String rule : rules) {
            // "-A FORWARD -s ... --comment olyXXXX -j ACCEPT" -> "-D FORWARD ..."
            List<String> c = new ArrayList<>(List.of(ipt.get(0), "-D"));
            c.addAll(List.of(rule.substring(3).trim().split("\\s+")));
            Proc.run(c, T);
        }
        progress.accept("hosts mode: removed " + names + (routes.isEmpty() ? "" : ", unreachable routes " + routes)
                + (rules.isEmpty() ? "" : ", iptables rules " + rules));
    }

    /** FORWARD rules that carry this topology's comment (what {@link #allowForwarding} added). */
    private static List<String> ourRules(String ipt, HostNet net) {
        try {
            return Proc.run(List.of(ipt, "-S", "FORWARD"), T).lines()
                    .filter(l -> l.startsWith("-A FORWARD ") && l.matches(".*--comment \"?" + net.prefix() + "\"? .*"))
                    .toList();
        } catch (TopologyException e) {
            return List.of();
        }
    }

    /** Processes still in a namespace (servers of a crashed run, services started in it): TERM, then KILL. */
    private static void killAllIn(String ns) {
        for (int round = 0; round < 30; round++) {
            List<Long> pids = pidsIn(ns);
            if (pids.isEmpty()) {
                return;
            }
            for (long pid : pids) {
                Proc.signal(pid, round < 20 ? "TERM" : "KILL");
            }
            Proc.sleep(100);
        }
    }

    static List<Long> pidsIn(String ns) {
        if (!namespaceExists(ns)) {
            return List.of();
        }
        return ip("netns", "pids", ns).lines().map(String::strip).filter(l -> l.matches("[0-9]+")).map(Long::parseLong).toList();
    }

    // ---------------------------------------------------------------- listening sockets, from the root namespace

    /**
     * Whether something in namespace {@code ns} listens on TCP {@code port}: from the socket table
     * of a process in it ({@code /proc/PID/net/tcp}), so it answers also while the node is cut.
     * {@code pidHint} (the server's own pid) is tried first; otherwise any process in the namespace.
     */
    static boolean listening(String ns, long pidHint, int port) {
        String id = namespaceId(ns);
        if (id == null) {
            return false;
        }
        long pid = inNamespace(pidHint, id) ? pidHint : anyPidIn(id);
        return pid > 0 && listens(pid, port);
    }

    private static String namespaceId(String ns) {
        try {
            Object ino = Files.getAttribute(NETNS.resolve(ns), "unix:ino");
            return "net:[" + ino + "]";
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return null;
        }
    }

    private static boolean inNamespace(long pid, String id) {
        if (pid <= 0) {
            return false;
        }
        try {
            return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", "net")).toString().equals(id);
        } catch (IOException e) {
            return false;
        }
    }

    private static long anyPidIn(String id) {
        try (Stream<Path> s = Files.list(Path.of("/proc"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("[0-9]+")).map(Long::parseLong)
                    .filter(pid -> inNamespace(pid, id)).findFirst().orElse(-1L);
        } catch (IOException e) {
            return -1;
        }
    }

    static boolean listens(long pid, int port) {
        for (String table : List.of("tcp", "tcp6")) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "net", table))) {
                    if (listensIn(line, port)) {
                        return true;
                    }
                }
            } catch (IOException e) {
                // process gone, or no IPv6
            }
        }
        return false;
    }

    /** One line of /proc/net/tcp: {@code sl local_address rem_address st ...}; LISTEN is st 0A. */
    static boolean listensIn(String line, int port) {
        String[] w = line.trim().split("\\s+");
        if (w.length < 4 || !w[3].equals("0A")) {
            return false;
        }
        int colon = w[1].lastIndexOf(':');
        try {
            return colon > 0 && Integer.parseInt(w[1].substring(colon + 1), 16) == port;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
