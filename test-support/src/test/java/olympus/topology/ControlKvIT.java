package olympus.topology;

import olympus.render.NatsRole;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import olympus.wire.ClusterTopology;
import olympus.wire.Naming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The R3 control bucket, reached from a region's own server through the "control" domain. */
@ExtendWith(TopologyExtension.class)
class ControlKvIT {

    @Test
    void the_initial_topology_is_in_the_control_bucket(LocalTopology t) throws Exception {
        try (Connection nc = t.connect(t.regions().get(1), NatsRole.SESSION_ROUTER)) {
            KeyValue kv = nc.keyValue(Naming.CONTROL_BUCKET, LocalTopology.controlKv());
            ClusterTopology topo = ClusterTopology.fromJson(kv.get(ClusterTopology.KEY).getValue());
            assertThat(topo.primary()).isEqualTo(t.primaryRegion());
            assertThat(topo.epoch()).isEqualTo(1);
            assertThat(topo.writes().state()).isEqualTo(ClusterTopology.WritesState.OPEN);
        }
    }

    @Test
    void compare_and_set_works_with_one_control_node_killed_and_rejects_stale_revisions(LocalTopology t) throws Exception {
        String key = "it-cas-" + System.nanoTime();
        String region = t.regions().get(0);
        try (Connection nc = t.connect(region, NatsRole.ADMIN)) {
            KeyValue kv = nc.keyValue(Naming.CONTROL_BUCKET, LocalTopology.controlKv());
            long r1 = kv.create(key, bytes("v1"));
            long r2 = kv.update(key, bytes("v2"), r1);
            assertThat(r2).isGreaterThan(r1);
            assertThatThrownBy(() -> kv.update(key, bytes("stale"), r1))
                    .isInstanceOf(JetStreamApiException.class)
                    .hasMessageContaining("wrong last sequence");

            // Kill this region's own control node: its server re-attaches to another region's
            // node through a link, and the two remaining nodes keep the quorum.
            t.kill("control-" + region);
            AtomicLong r3 = new AtomicLong();
            await("CAS accepted with control-" + region + " dead").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                    .until(() -> {
                        r3.set(kv.update(key, bytes("v3"), r2));
                        return true;
                    });
            assertThat(r3.get()).isGreaterThan(r2);
            assertThatThrownBy(() -> kv.update(key, bytes("stale-again"), r2))
                    .isInstanceOf(JetStreamApiException.class)
                    .hasMessageContaining("wrong last sequence");
            KeyValueEntry e = kv.get(key);
            assertThat(new String(e.getValue(), StandardCharsets.UTF_8)).isEqualTo("v3");
            assertThat(e.getRevision()).isEqualTo(r3.get());
        } finally {
            t.repair();
        }
    }

    /**
     * A cut-off region's write is not acknowledged, while the majority side keeps accepting
     * compare-and-set writes; after healing, the majority's value stands and the minority's
     * never appears. (A write that timed out has an unknown outcome, as in any consensus store:
     * what matters is that it can never be acknowledged alongside a conflicting majority write.)
     */
    @Test
    void a_region_cut_off_cannot_write_the_control_bucket_while_the_majority_can(LocalTopology t) throws Exception {
        String isolated = t.regions().get(2);
        String majority = t.regions().get(0);
        String key = "it-cut-" + System.nanoTime();
        try (Connection minority = t.connect(isolated, NatsRole.ADMIN);
             Connection major = t.connect(majority, NatsRole.ADMIN)) {
            KeyValue minorityKv = minority.keyValue(Naming.CONTROL_BUCKET, LocalTopology.controlKv());
            KeyValue majorityKv = major.keyValue(Naming.CONTROL_BUCKET, LocalTopology.controlKv());
            long r1 = majorityKv.create(key, bytes("before"));
            t.cut(isolated);
            assertThatThrownBy(() -> minorityKv.update(key, bytes("minority"), r1)).isInstanceOfAny(
                    java.io.IOException.class, JetStreamApiException.class);
            await("majority CAS during the cut").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                    .ignoreExceptions().until(() -> majorityKv.update(key, bytes("majority"), r1) > r1);
            t.heal(isolated);
            await("isolated region sees the majority's value").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .untilAsserted(() -> assertThat(new String(minorityKv.get(key).getValue(), StandardCharsets.UTF_8))
                            .isEqualTo("majority"));
            // history() creates a consumer, which waits for the meta leader after the heal (10008).
            await("history").atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() ->
                    assertThat(majorityKv.history(key)).extracting(e -> new String(e.getValue(), StandardCharsets.UTF_8))
                            .containsExactly("before", "majority"));
        } finally {
            t.repair();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
