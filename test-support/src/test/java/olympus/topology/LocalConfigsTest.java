package olympus.topology;

import olympus.topology.Ports.LinkKind;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the local topology writes through deploy/render (olympus.render.NatsConfigs, RedisConf):
 * nothing started, no network. Hosts mode takes every cross-region address from the model
 * (10.X.j.2), the default mode goes through the link ports on 127.0.0.1; nats-server -t accepts
 * every NATS configuration.
 */
class LocalConfigsTest {
    @TempDir
    Path tmp;

    private LocalTopology write(int regions, boolean hosts) {
        TopologySpec spec = new TopologySpec(TopologySpec.regionNames(regions), 25000, tmp.resolve("n" + regions + "-" + hosts), hosts);
        LocalTopology t = LocalTopology.withCredentials(spec, Credentials.generate().withRegionUsers(spec.regions()).withRedisUsers(spec.regions()).withOperators(LocalTopology.operators()));
        t.writeNatsConfigs();
        t.writeRedisConfigs();
        return t;
    }

    private static String read(Path p) throws Exception {
        return Files.readString(p);
    }

    @Test
    void hosts_mode_reaches_other_regions_at_their_own_addresses() throws Exception {
        LocalTopology t = write(2, true);
        TopologySpec s = t.spec();
        Ports p = t.ports();
        String nats = read(s.workDir().resolve("nats/us-east/nats.conf"));
        assertThat(nats).contains("listen: \"0.0.0.0:" + p.nats(0) + "\"", "@127.0.0.1:" + p.controlLeaf(0) + "\"",
                "@" + s.host(1) + ":" + p.controlLeaf(1) + "\"", "@" + s.host(2) + ":" + p.controlLeaf(2) + "\"")
                .doesNotContain(":" + p.link(0, 1, LinkKind.LEAF) + "\"");
        String control = read(s.workDir().resolve("control/witness-1/nats.conf"));
        assertThat(control).contains("advertise: \"" + s.host(2) + ":" + p.controlRoute(2) + "\"",
                "@" + s.host(0) + ":" + p.controlRoute(0) + "\"", "@" + s.host(1) + ":" + p.controlRoute(1) + "\"");
        assertThat(s.host(1)).matches("10\\.\\d+\\.1\\.2");
        assertThat(read(s.workDir().resolve("redis/eu-west/redis.conf"))).contains("bind 127.0.0.1 " + s.host(1) + "\n");
    }

    @Test
    void default_mode_goes_through_the_links_on_loopback() throws Exception {
        LocalTopology t = write(3, false);
        TopologySpec s = t.spec();
        Ports p = t.ports();
        String nats = read(s.workDir().resolve("nats/eu-west/nats.conf"));
        assertThat(nats).contains("listen: \"127.0.0.1:" + p.nats(1) + "\"", "@127.0.0.1:" + p.controlLeaf(1) + "\"",
                "@127.0.0.1:" + p.link(1, 0, LinkKind.LEAF) + "\"", "@127.0.0.1:" + p.link(1, 2, LinkKind.LEAF) + "\"");
        String control = read(s.workDir().resolve("control/eu-west/nats.conf"));
        assertThat(control).contains("advertise: \"127.0.0.1:" + p.unused(1) + "\"", "@127.0.0.1:" + p.link(1, 0, LinkKind.ROUTE) + "\"");
        assertThat(read(s.workDir().resolve("redis/eu-west/redis.conf"))).contains("bind 127.0.0.1\n", "daemonize yes\n");
    }

    @Test
    void nats_server_accepts_what_the_local_topology_writes() throws Exception {
        Path bin = List.of("/usr/sbin/nats-server", "/usr/bin/nats-server").stream().map(Path::of).filter(Files::isExecutable)
                .findFirst().orElse(null);
        Assumptions.assumeTrue(bin != null, "nats-server not installed (apt-get install -y nats-server): not checking the configs");
        for (int n : new int[] {2, 3}) {
            for (boolean hosts : new boolean[] {false, true}) {
                LocalTopology t = write(n, hosts);
                for (int i = 0; i < t.spec().controlNodes(); i++) {
                    List<Path> confs = i < n
                            ? List.of(t.spec().workDir().resolve("nats").resolve(t.regions().get(i)).resolve("nats.conf"),
                            t.spec().workDir().resolve("control").resolve(t.spec().controlNodeRegion(i)).resolve("nats.conf"))
                            : List.of(t.spec().workDir().resolve("control").resolve(t.spec().controlNodeRegion(i)).resolve("nats.conf"));
                    for (Path c : confs) {
                        Process p = new ProcessBuilder(bin.toString(), "-t", "-c", c.toString()).redirectErrorStream(true).start();
                        String out = new String(p.getInputStream().readAllBytes());
                        assertThat(p.waitFor()).as("nats-server -t -c %s: %s", c, out).isZero();
                    }
                }
            }
        }
    }
}
