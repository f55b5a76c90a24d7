package olympus.revocation.it;

import olympus.topology.LocalTopology;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/** One revocation-bus per region of the test topology. */
final class Cluster implements AutoCloseable {
    final List<Region> regions = new ArrayList<>();

    static Cluster start(LocalTopology t) {
        Cluster c = new Cluster();
        for (int i = 0; i < t.regions().size(); i++) {
            c.regions.add(new Region(t, t.regions().get(i), t.ports().revocationBusHttp(i)).start());
        }
        return c;
    }

    Region region(String name) {
        return regions.stream().filter(r -> r.name.equals(name)).findFirst().orElseThrow();
    }

    /** A fresh id prefix, so test classes sharing the topology (and its Redis) never collide. */
    static String runId() {
        return Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
    }

    static String tokenBatch(List<String> jtis, String reason) {
        return jtis.stream().map(j -> "{\"kind\":\"token\",\"eventId\":\"ev-" + j + "\",\"jti\":\"" + j
                        + "\",\"reason\":\"" + reason + "\"}")
                .collect(Collectors.joining(",", "{\"revocations\":[", "]}"));
    }

    @Override
    public void close() {
        regions.forEach(Region::close);
    }
}
