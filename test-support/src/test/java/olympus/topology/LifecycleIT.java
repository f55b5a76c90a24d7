package olympus.topology;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** up is idempotent and repairs; down leaves no process and no port. Its own small topology. */
class LifecycleIT {

    @Test
    void up_is_idempotent_restarts_dead_servers_and_down_leaves_nothing() throws Exception {
        int base = TopologyExtension.freeBase();
        Path dir = Files.createTempDirectory("olympus-lifecycle-");
        LocalTopology t = LocalTopology.of(new TopologySpec(TopologySpec.regionNames(3), base, dir), System.out::println);
        try {
            long t0 = System.nanoTime();
            t.up();
            long upMs = (System.nanoTime() - t0) / 1_000_000;
            System.out.println("up took " + upMs + " ms");
            assertThat(Duration.ofMillis(upMs)).as("up time").isLessThan(Duration.ofSeconds(30));
            assertThat(t.servers()).allMatch(t::alive);
            assertThat(t.replication()).hasSize(2).allMatch(r -> r.state().equals("streaming"));

            t.up(); // again: nothing to do
            assertThat(t.servers()).allMatch(t::alive);

            t.kill("redis-eu-west");
            t.kill("nats-ap-south");
            t.up(); // restarts what died
            assertThat(t.servers()).allMatch(t::alive);
        } finally {
            t.down(true);
        }
        assertThat(t.portsInUse()).isEmpty();
        assertThat(Proc.mentioning(dir.toString())).isEmpty();
        assertThat(dir).doesNotExist();
    }
}
