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
 * <p>Ports come from the endpoints the topology writes into topology.json, so this service does
 * no port arithmetic of its own (and needs no test code).
 */
public record LocalNodes(Path dir, List<String> regions, JsonNode endpoints, String superPassword,
                         String replicatorPassword, String appPassword, String bouncerAdminPassword) {

    public static LocalNodes load(Path dir) {
        ObjectMapper m = new ObjectMapper();
        try {
            JsonNode t = m.readTree(dir.resolve("topology.json").toFile());
            JsonNode c = m.readTree(dir.resolve("credentials.json").toFile()).path("postgres");
            List<String> regions = new ArrayList<>();
            t.path("regions").forEach(r -> regions.add(r.asText()));
            return new LocalNodes(dir, List.copyOf(regions), t.path("endpoints"), c.path("postgres").asText(),
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

    private JsonNode endpoint(String region) {
        index(region);
        return endpoints.path(region);
    }

    public int postgresPort(String region) {
        return endpoint(region).path("postgres").asInt();
    }

    public int pgBouncerPort(String region) {
        return endpoint(region).path("pgbouncer").asInt();
    }

    /** Port at which processes in {@code from} reach {@code target}'s PostgreSQL (a cuttable link across regions). */
    public int postgresPortFrom(String from, String target) {
        index(target);
        int port = endpoint(from).path("postgresFrom").path(target).asInt(-1);
        if (port <= 0) {
            throw new IllegalStateException("topology.json in " + dir + " has no postgresFrom." + target + " for " + from
                    + ": restart it with a current deploy/local/topology (down, then up)");
        }
        return port;
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
