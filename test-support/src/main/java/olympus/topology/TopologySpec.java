package olympus.topology;

import olympus.wire.Naming;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What to run: the regions (the first holds the primary), the base port every port is derived
 * from, the working directory that holds all state, configuration, logs and credentials, and
 * whether each region runs as its own host ({@link #hosts()}).
 */
public record TopologySpec(List<String> regions, int basePort, Path workDir, boolean hosts) {
    /** Environment variable that selects hosts mode ({@code 1}, {@code true} or {@code yes}). */
    public static final String HOSTS_ENV = "OLYMPUS_TOPOLOGY_HOSTS";
    public static final List<String> DEFAULT_REGIONS = List.of("us-east", "eu-west", "ap-south", "sa-east", "af-south");
    public static final int DEFAULT_BASE_PORT = 24000;

    public TopologySpec {
        regions = List.copyOf(regions);
        if (regions.isEmpty()) {
            throw new IllegalArgumentException("at least one region is needed");
        }
        if (regions.size() > Ports.MAX_REGIONS) {
            throw new IllegalArgumentException("at most " + Ports.MAX_REGIONS + " regions");
        }
        regions.forEach(Naming::requireRegion);
        if (regions.stream().distinct().count() != regions.size()) {
            throw new IllegalArgumentException("region names repeat: " + regions);
        }
        if (basePort < 1024 || basePort + Ports.SPAN > 65535) {
            throw new IllegalArgumentException("base port " + basePort + " leaves no room: use 1024.." + (65535 - Ports.SPAN));
        }
        workDir = workDir.toAbsolutePath().normalize();
    }

    /** One network namespace for the whole topology (every server on 127.0.0.1, links between regions). */
    public TopologySpec(List<String> regions, int basePort, Path workDir) {
        this(regions, basePort, workDir, false);
    }

    /**
     * The same topology in hosts mode (or not): each region (and witness control node) in its own
     * network namespace with its own address, 10.X.i.2 (see {@link HostNet}); cross-region
     * traffic goes directly between those addresses, and a cut takes the region's veth down.
     */
    public TopologySpec withHosts(boolean hosts) {
        return new TopologySpec(regions, basePort, workDir, hosts);
    }

    /** Whether {@value #HOSTS_ENV} asks for hosts mode. */
    public static boolean hostsFromEnv() {
        return hostsFlag(System.getenv(HOSTS_ENV));
    }

    static boolean hostsFlag(String value) {
        return value != null && List.of("1", "true", "yes").contains(value.strip().toLowerCase(java.util.Locale.ROOT));
    }

    /** Namespace names and addresses of hosts mode (derived only; meaningful whether or not {@link #hosts()}). */
    public HostNet net() {
        return HostNet.of(workDir, basePort);
    }

    /** Address of node {@code i} (region index, or witness index after the regions): 127.0.0.1, or 10.X.i.2 in hosts mode. */
    public String host(int node) {
        return hosts ? net().host(node) : "127.0.0.1";
    }

    /** {@code cmd} to run in node {@code i}'s namespace: {@code ip netns exec NS cmd...} in hosts mode, unchanged otherwise. */
    public List<String> inNode(int node, List<String> cmd) {
        return hosts ? net().exec(node, cmd) : List.copyOf(cmd);
    }

    /** {@code n} regions named from {@link #DEFAULT_REGIONS}, then region-6, region-7, ... */
    public static List<String> regionNames(int n) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            names.add(i < DEFAULT_REGIONS.size() ? DEFAULT_REGIONS.get(i) : "region-" + (i + 1));
        }
        return names;
    }

    public String primaryRegion() {
        return regions.get(0);
    }

    /** The control cluster needs three nodes for an R3 quorum; with fewer regions, witnesses fill in. */
    public int controlNodes() {
        return Math.max(3, regions.size());
    }

    /** Region a control node runs in, or "witness-N" for the extra nodes of a small topology. */
    public String controlNodeRegion(int i) {
        return i < regions.size() ? regions.get(i) : "witness-" + (i - regions.size() + 1);
    }

    public Ports ports() {
        return new Ports(basePort);
    }
}
