package olympus.topology;

import olympus.render.NatsRole;

import io.nats.client.Connection;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import olympus.wire.Naming;
import olympus.wire.Naming.Family;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two regions with a durable consumer of the same name on their (same-named) view streams:
 * acknowledging in one region must not acknowledge anything in the other. Acks crossing the
 * leaf nodes once made one region's service acknowledge another's unapplied revocations.
 */
@ExtendWith(TopologyExtension.class)
class AckIsolationIT {

    @Test
    void acks_in_one_region_do_not_acknowledge_the_same_named_consumer_in_another(LocalTopology t) throws Exception {
        String kind = "acks-" + UUID.randomUUID().toString().substring(0, 8);
        String subject = Naming.subject(Family.AUDIT, "us-east", kind);
        String durable = "same-name-" + kind;
        String view = Naming.viewStream(Family.AUDIT);
        ConsumerConfiguration cc = ConsumerConfiguration.builder().durable(durable).filterSubject(subject)
                .ackPolicy(AckPolicy.Explicit).deliverPolicy(DeliverPolicy.All).ackWait(Duration.ofMinutes(5)).build();
        try (Connection east = t.connect("us-east", NatsRole.ADMIN);
             Connection west = t.connect("eu-west", NatsRole.ADMIN);
             Connection south = t.connect("ap-south", NatsRole.ADMIN)) {
            for (Connection c : List.of(west, south)) {
                c.jetStreamManagement().addOrUpdateConsumer(view, cc);
            }
            for (int i = 0; i < 10; i++) {
                east.jetStream().publish(subject, ("m" + i).getBytes(StandardCharsets.UTF_8));
            }
            for (Connection c : List.of(west, south)) {
                await().atMost(Duration.ofSeconds(20)).until(() ->
                        c.jetStreamManagement().getConsumerInfo(view, durable).getNumPending() == 10);
            }
            // ap-south's worker takes all ten and dies before applying them (no ack)...
            JetStreamSubscription dead = south.jetStream().subscribe(subject,
                    PullSubscribeOptions.builder().stream(view).durable(durable).build());
            int taken = 0;
            while (taken < 10) {
                taken += dead.fetch(10, Duration.ofSeconds(2)).size();
            }
            // ...while eu-west takes and acknowledges everything...
            JetStreamSubscription sub = west.jetStream().subscribe(subject,
                    PullSubscribeOptions.builder().stream(view).durable(durable).build());
            int acked = 0;
            while (acked < 10) {
                for (Message m : sub.fetch(10, Duration.ofSeconds(2))) {
                    m.ackSync(Duration.ofSeconds(2));
                    acked++;
                }
            }
            assertThat(west.jetStreamManagement().getConsumerInfo(view, durable).getAckFloor().getConsumerSequence())
                    .isEqualTo(10);
            Thread.sleep(1000);
            // ...and ap-south's consumer of the same name still has all ten awaiting an ack, to
            // be redelivered to the next worker.
            var southInfo = south.jetStreamManagement().getConsumerInfo(view, durable);
            assertThat(southInfo.getAckFloor().getConsumerSequence()).as("acks leaked into ap-south").isZero();
            assertThat(southInfo.getNumAckPending()).isEqualTo(10);
        }
    }
}
