package olympus.failover.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where each region's database, pooler and files are in a local topology (deploy/local/topology),
 * read from its directory: topology.json (regions, base port) and credentials.json.
 *
 * <p>The port arithmetic repeats test-support's {@code Ports} on purpose: the service must not
 * depend on test code. It belongs in shared (a node descriptor the topology writes); until then
 * the two must change together.
 */
public record LocalNodes(Path dir, List<String> regions, int basePort, String superPassword, String replicatorPassword,
                         String appPassword, String bouncerAdminPassword) {
    private static final int MAX_NODES = 10;
    private static final int LINK_KINDS = 3;
    private static final int LINK_POSTGRES = 2;

    public static LocalNodes load(Path dir) {
        ObjectMapper m = new ObjectMapper();
        try {
            JsonNode t = m.readTree(dir.resolve("topology.json").toFile());
            JsonNode c = m.readTree(dir.resolve("credentials.json").toFile()).path("postgres");
            List<String> regions = new ArrayList<>();
            t.path("regions").forEach(r -> regions.add(r.asText()));
            return new LocalNodes(dir, List.copyOf(regions), t.path("basePort").asInt(), c.path("postgres").asText(),
                    c.path("replicator").asText(), c.path("olympus").asText(), c.path("pgbouncer_admin").asText());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the local topology in " + dir + ": " + e.getMessage(), e);
        }
    }

    int index(String region) {
        int i = regions.indexOf(region);
        if (i < 0) {
            throw new IllegalArgumentException("unknown region '" + region + "': regions are " + regions);
        }
        return i;
    }

    public int postgresPort(String region) {
        return basePort + 10 * index(region) + 7;
    }

    public int pgBouncerPort(String region) {
        return basePort + 10 * index(region) + 8;
    }

    /** Port at which processes in {@code from} reach {@code target}'s PostgreSQL (a cuttable link across regions). */
    public int postgresPortFrom(String from, String target) {
        int i = index(from);
        int j = index(target);
        return i == j ? postgresPort(target) : basePort + 400 + (i * MAX_NODES + j) * LINK_KINDS + LINK_POSTGRES;
    }

    public Path pgData(String region) {
        return dir.resolve("pg").resolve(region).resolve("data");
    }

    public Path pgLog(String region) {
        return dir.resolve("pg").resolve(region).resolve("postgres.log");
    }

    public Path pgBouncerIni(String region) {
        return dir.resolve("pgbouncer").resolve(region).resolve("pgbouncer.ini");
    }

    public static String slotName(String region) {
        return "replica_" + region.replace('-', '_');
    }
}
