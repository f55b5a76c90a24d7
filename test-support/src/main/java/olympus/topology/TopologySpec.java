package olympus.topology;

import olympus.wire.Naming;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What to run: the regions (the first holds the primary), the base port every port is derived
 * from, and the working directory that holds all state, configuration, logs and credentials.
 */
public record TopologySpec(List<String> regions, int basePort, Path workDir) {
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
