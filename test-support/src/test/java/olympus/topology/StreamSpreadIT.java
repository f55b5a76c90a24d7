package olympus.topology;

import olympus.render.NatsRole;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.api.OrderedConsumerConfiguration;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import io.nats.client.IterableConsumer;
import io.nats.client.OrderedConsumerContext;
import olympus.wire.Naming;
import olympus.wire.Naming.Family;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The origin/view layout on the real topology: what one region publishes reaches every region's
 * view exactly once, including a region that was cut off while the others published.
 */
@ExtendWith(TopologyExtension.class)
class StreamSpreadIT {
    private static final Family FAMILY = Family.AUDIT;

    @Test
    void a_message_published_in_each_region_arrives_in_every_view(LocalTopology t) throws Exception {
        String kind = "spread-" + UUID.randomUUID().toString().substring(0, 8);
        List<String> sent = new ArrayList<>();
        for (String region : t.regions()) {
            try (Connection nc = t.connect(region, NatsRole.ADMIN)) {
                String id = region + "-" + UUID.randomUUID();
                publish(nc.jetStream(), Naming.subject(FAMILY, region, kind), id);
                sent.add(id);
            }
        }
        for (String region : t.regions()) {
            await("view in " + region).atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(readView(t, region, kind)).containsExactlyInAnyOrderElementsOf(sent));
        }
    }

    @Test
    void a_region_cut_off_for_30s_catches_up_every_message_exactly_once(LocalTopology t) throws Exception {
        String kind = "partition-" + UUID.randomUUID().toString().substring(0, 8);
        String isolated = t.regions().get(2);
        List<String> others = t.regions().subList(0, 2);
        Map<String, Integer> expected = new HashMap<>();
        try {
            t.cut(isolated);
            long cutAt = System.nanoTime();
            // The others publish 10,000 between them; the isolated region keeps publishing locally.
            List<CompletableFuture<Integer>> publishers = new ArrayList<>();
            for (String r : others) {
                publishers.add(CompletableFuture.supplyAsync(() -> publishMany(t, r, kind, 5_000)));
            }
            int local = publishMany(t, isolated, kind, 1_000);
            for (int i = 0; i < others.size(); i++) {
                expected.put(others.get(i), publishers.get(i).join());
            }
            expected.put(isolated, local);
            // Cut off: the isolated view holds only its own messages; the others' views lack them.
            assertThat(readView(t, isolated, kind)).hasSize(1_000);
            long remaining = Duration.ofSeconds(30).toNanos() - (System.nanoTime() - cutAt);
            if (remaining > 0) {
                Thread.sleep(remaining / 1_000_000);
            }
            assertThat(readView(t, others.get(0), kind)).hasSize(10_000);
        } finally {
            t.heal(isolated);
        }
        long healedAt = System.nanoTime();
        int total = expected.values().stream().mapToInt(Integer::intValue).sum();
        for (String region : t.regions()) {
            await("view in " + region + " complete").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> readView(t, region, kind).size() >= total);
            List<String> ids = readView(t, region, kind);
            assertThat(ids).as("every message exactly once in " + region).hasSize(total).doesNotHaveDuplicates();
        }
        System.out.printf("partition test: %d messages, every region complete %d ms after heal%n",
                total, (System.nanoTime() - healedAt) / 1_000_000);
    }

    private static int publishMany(LocalTopology t, String region, String kind, int n) {
        try (Connection nc = t.connect(region, NatsRole.ADMIN)) {
            JetStream js = nc.jetStream();
            List<CompletableFuture<PublishAck>> acks = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String id = region + "-" + i + "-" + UUID.randomUUID();
                acks.add(js.publishAsync(message(Naming.subject(FAMILY, region, kind), id)));
                if (acks.size() >= 500) {
                    acks.forEach(CompletableFuture::join);
                    acks.clear();
                }
            }
            acks.forEach(CompletableFuture::join);
            return n;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void publish(JetStream js, String subject, String id) throws Exception {
        js.publish(message(subject, id));
    }

    private static NatsMessage message(String subject, String id) {
        Headers h = new Headers().add("Nats-Msg-Id", id);
        return NatsMessage.builder().subject(subject).headers(h).data(id, StandardCharsets.UTF_8).build();
    }

    /** Every message of {@code kind} in a region's view, in order, as its id. */
    static List<String> readView(LocalTopology t, String region, String kind) throws Exception {
        List<String> ids = new ArrayList<>();
        try (Connection nc = t.connect(region, NatsRole.ADMIN)) {
            JetStreamManagement jsm = nc.jetStreamManagement();
            String stream = Naming.viewStream(FAMILY);
            if (jsm.getStreamInfo(stream).getStreamState().getMsgCount() == 0) {
                return ids;
            }
            OrderedConsumerContext occ = nc.getStreamContext(stream)
                    .createOrderedConsumer(new OrderedConsumerConfiguration().filterSubject("olympus." + FAMILY.token() + ".*." + kind));
            try (IterableConsumer ic = occ.iterate()) {
                Message m;
                while ((m = ic.nextMessage(Duration.ofMillis(500))) != null) {
                    ids.add(new String(m.getData(), StandardCharsets.UTF_8));
                    if (m.metaData().pendingCount() == 0) {
                        break;
                    }
                }
            }
        }
        return ids;
    }
}
