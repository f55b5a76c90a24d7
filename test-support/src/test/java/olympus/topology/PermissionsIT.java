package olympus.topology;

import olympus.render.NatsRole;

import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.JetStreamOptions;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueOptions;
import io.nats.client.Nats;
import io.nats.client.Options;
import olympus.wire.Naming;
import olympus.wire.Naming.Family;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Each service user can do what its role needs and the server refuses the rest. Refusal is
 * checked where it counts: the stream or bucket did not change, and the server reported a
 * permissions violation to the client.
 */
@ExtendWith(TopologyExtension.class)
class PermissionsIT {
    private static final String REGION = "us-east";

    /** A connection that records the server's permission errors. */
    record Client(Connection nc, List<String> errors) implements AutoCloseable {
        @Override
        public void close() throws InterruptedException {
            nc.close();
        }

        void awaitViolation(String subject) {
            await("permissions violation for " + subject).atMost(Duration.ofSeconds(5)).until(() ->
                    errors.stream().anyMatch(e -> e.toLowerCase().contains("permissions violation") && e.contains(subject)));
        }
    }

    private static Client client(LocalTopology t, NatsRole role) throws Exception {
        return client(t, role, REGION);
    }

    /** A client of {@code role}'s user in {@code region}, connected to that region's server. */
    private static Client client(LocalTopology t, NatsRole role, String region) throws Exception {
        List<String> errors = new CopyOnWriteArrayList<>();
        Options o = t.natsOptions(t.natsUrl(region), role, region).errorListener(new ErrorListener() {
            @Override
            public void errorOccurred(Connection conn, String error) {
                errors.add(error);
            }
        }).build();
        return new Client(Nats.connect(o), errors);
    }

    private static KeyValue kv(Connection nc, String bucket) throws Exception {
        return nc.keyValue(bucket, KeyValueOptions.builder().jsDomain(Naming.CONTROL_DOMAIN)
                .jetStreamOptions(JetStreamOptions.builder().domain(Naming.CONTROL_DOMAIN).requestTimeout(Duration.ofSeconds(1)).build())
                .build());
    }

    private static long originCount(LocalTopology t, Family f) throws Exception {
        return originCount(t, f, REGION);
    }

    private static long originCount(LocalTopology t, Family f, String region) throws Exception {
        try (Connection nc = t.connect(region, NatsRole.ADMIN)) {
            return nc.jetStreamManagement(io.nats.client.JetStreamOptions.builder().domain(region).build())
                    .getStreamInfo(Naming.originStream(f, region)).getStreamState().getMsgCount();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void session_router_cannot_publish_a_revocation_or_write_the_control_bucket_but_can_read_it(LocalTopology t) throws Exception {
        String subject = Naming.subject(Family.REVOCATION, REGION, "token");
        long before = originCount(t, Family.REVOCATION);
        try (Client c = client(t, NatsRole.SESSION_ROUTER)) {
            c.nc().publish(subject, bytes("{}"));
            c.nc().flush(Duration.ofSeconds(2));
            c.awaitViolation(subject);

            KeyValue control = kv(c.nc(), Naming.CONTROL_BUCKET);
            assertThat(control.get(olympus.wire.ClusterTopology.KEY)).isNotNull();
            assertThatThrownBy(() -> control.put("router-was-here", bytes("x"))).isInstanceOf(Exception.class);
            c.awaitViolation("$KV." + Naming.CONTROL_BUCKET + ".router-was-here");
        }
        assertThat(originCount(t, Family.REVOCATION)).isEqualTo(before);
        try (Connection admin = t.connect(REGION, NatsRole.ADMIN)) {
            assertThat(kv(admin, Naming.CONTROL_BUCKET).get("router-was-here")).isNull();
        }
    }

    @Test
    void revocation_bus_can_publish_revocations_but_not_write_the_control_bucket(LocalTopology t) throws Exception {
        long before = originCount(t, Family.REVOCATION);
        try (Client c = client(t, NatsRole.REVOCATION_BUS)) {
            c.nc().jetStream().publish(Naming.subject(Family.REVOCATION, REGION, "token"), bytes("{}"));
            assertThat(originCount(t, Family.REVOCATION)).isEqualTo(before + 1);
            KeyValue control = kv(c.nc(), Naming.CONTROL_BUCKET);
            assertThatThrownBy(() -> control.put("bus-was-here", bytes("x"))).isInstanceOf(Exception.class);
            c.awaitViolation("$KV." + Naming.CONTROL_BUCKET + ".bus-was-here");
        }
    }

    @Test
    void failover_coordinator_writes_the_leaders_keys_and_its_own_observation_and_cannot_publish_revocations(LocalTopology t)
            throws Exception {
        try (Client c = client(t, NatsRole.FAILOVER_COORDINATOR)) {
            KeyValue control = kv(c.nc(), Naming.CONTROL_BUCKET);
            long rev = control.put("observer." + REGION, bytes("{}"));
            assertThat(control.get("observer." + REGION).getRevision()).isEqualTo(rev);
            assertThatThrownBy(() -> control.put("coordinator-was-here", bytes("x"))).isInstanceOf(Exception.class);
            c.awaitViolation("$KV." + Naming.CONTROL_BUCKET + ".coordinator-was-here");
            String subject = Naming.subject(Family.REVOCATION, REGION, "session");
            c.nc().publish(subject, bytes("{}"));
            c.awaitViolation(subject);
        }
    }

    @Test
    void lag_monitor_writes_lag_samples_and_the_lag_bucket_only(LocalTopology t) throws Exception {
        long before = originCount(t, Family.LAG);
        try (Client c = client(t, NatsRole.LAG_MONITOR)) {
            c.nc().jetStream().publish(Naming.subject(Family.LAG, REGION, "sample"), bytes("{}"));
            assertThat(originCount(t, Family.LAG)).isEqualTo(before + 1);
            long rev = kv(c.nc(), Naming.LAG_BUCKET).put(REGION, bytes("{}"));
            assertThat(rev).isPositive();
            assertThatThrownBy(() -> kv(c.nc(), Naming.CONTROL_BUCKET).put("lag-was-here", bytes("x"))).isInstanceOf(Exception.class);
            c.awaitViolation("$KV." + Naming.CONTROL_BUCKET + ".lag-was-here");
        }
    }

    // ------------------------------------------------------------ one region's credential, another region's subjects

    private static final String OTHER = "eu-west";

    @Test
    void a_regions_revocation_bus_is_refused_another_regions_subjects_and_domain(LocalTopology t) throws Exception {
        long east = originCount(t, Family.REVOCATION, REGION);
        long west = originCount(t, Family.REVOCATION, OTHER);
        try (Client c = client(t, NatsRole.REVOCATION_BUS, OTHER)) {
            c.nc().jetStream().publish(Naming.subject(Family.REVOCATION, OTHER, "token"), bytes("{}"));
            for (String subject : List.of(Naming.subject(Family.REVOCATION, REGION, "token"),
                    "olympus.revocation-bus.express." + REGION, Naming.deadLetterSubject(Family.REVOCATION, REGION))) {
                c.nc().publish(subject, bytes("{}"));
                c.awaitViolation(subject);
            }
            // Nor another region's JetStream domain: no stream info, no consumer there.
            String foreign = "$JS." + REGION + ".API.STREAM.INFO." + Naming.viewStream(Family.REVOCATION);
            c.nc().publish(foreign, bytes(""));
            c.awaitViolation(foreign);
        }
        assertThat(originCount(t, Family.REVOCATION, OTHER)).isEqualTo(west + 1);
        assertThat(originCount(t, Family.REVOCATION, REGION)).isEqualTo(east);
    }

    @Test
    void a_regions_lag_monitor_writes_only_its_replicas_sample_and_key(LocalTopology t) throws Exception {
        long east = originCount(t, Family.LAG, REGION);
        try (Client c = client(t, NatsRole.LAG_MONITOR, OTHER)) {
            KeyValue lag = kv(c.nc(), Naming.LAG_BUCKET);
            assertThat(lag.put(OTHER, bytes("{}"))).isPositive();
            String subject = Naming.subject(Family.LAG, REGION, "sample");
            c.nc().publish(subject, bytes("{}"));
            c.awaitViolation(subject);
            assertThatThrownBy(() -> lag.put("ap-south", bytes("{\"forged\":true}"))).isInstanceOf(Exception.class);
            c.awaitViolation("$KV." + Naming.LAG_BUCKET + ".ap-south");
        }
        assertThat(originCount(t, Family.LAG, REGION)).isEqualTo(east);
        try (Connection admin = t.connect(REGION, NatsRole.ADMIN)) {
            var e = kv(admin, Naming.LAG_BUCKET).get("ap-south");
            assertThat(e == null ? "" : new String(e.getValue(), StandardCharsets.UTF_8)).doesNotContain("forged");
        }
    }

    @Test
    void a_regions_coordinator_cannot_write_another_regions_observation_heartbeat_or_audit(LocalTopology t) throws Exception {
        try (Client c = client(t, NatsRole.FAILOVER_COORDINATOR, OTHER)) {
            KeyValue control = kv(c.nc(), Naming.CONTROL_BUCKET);
            assertThat(control.put("observer." + OTHER, bytes("{}"))).isPositive();
            for (String key : List.of("observer." + REGION, Naming.AGENT_HEARTBEAT_PREFIX + REGION)) {
                assertThatThrownBy(() -> control.put(key, bytes("{\"forged\":true}"))).isInstanceOf(Exception.class);
                c.awaitViolation("$KV." + Naming.CONTROL_BUCKET + "." + key);
            }
            String audit = Naming.subject(Family.AUDIT, REGION, "command");
            c.nc().publish(audit, bytes("{}"));
            c.awaitViolation(audit);
        }
        try (Connection admin = t.connect(REGION, NatsRole.ADMIN)) {
            var e = kv(admin, Naming.CONTROL_BUCKET).get("observer." + REGION);
            assertThat(e == null ? "" : new String(e.getValue(), StandardCharsets.UTF_8)).doesNotContain("forged");
        }
    }

    @Test
    void a_regions_password_does_not_log_in_as_the_same_role_of_another_region(LocalTopology t) {
        Options o = t.natsOptionsAs(t.natsUrl(REGION), NatsRole.REVOCATION_BUS.user(REGION),
                        t.credentials().natsPassword(NatsRole.REVOCATION_BUS, OTHER))
                .maxReconnects(0).connectionTimeout(Duration.ofSeconds(2)).build();
        assertThatThrownBy(() -> Nats.connect(o)).hasMessageContaining("Authorization Violation");
    }

    // ------------------------------------------------------------ consumers, inboxes, the leaf user

    @Test
    void no_reader_can_delete_drain_or_ack_another_services_durable(LocalTopology t) throws Exception {
        String view = Naming.viewStream(Family.REVOCATION);
        String durable = NatsRole.REVOCATION_BUS.user(REGION);
        try (Client bus = client(t, NatsRole.REVOCATION_BUS); Client observer = client(t, NatsRole.OBSERVER);
             Client router = client(t, NatsRole.SESSION_ROUTER)) {
            bus.nc().jetStreamManagement().addOrUpdateConsumer(view, io.nats.client.api.ConsumerConfiguration.builder()
                    .durable(durable).ackPolicy(io.nats.client.api.AckPolicy.Explicit).build());
            for (Client c : List.of(observer, router)) {
                var jsm = c.nc().jetStreamManagement(JetStreamOptions.builder().requestTimeout(Duration.ofSeconds(1)).build());
                assertThatThrownBy(() -> jsm.deleteConsumer(view, durable)).isInstanceOf(Exception.class);
                c.awaitViolation("$JS.API.CONSUMER.DELETE." + view + "." + durable);
                String next = "$JS.API.CONSUMER.MSG.NEXT." + view + "." + durable;
                c.nc().publish(next, bytes("1"));
                c.awaitViolation(next);
                String ack = "$JS.ACK." + view + "." + durable + ".1.1.1.1.0";
                c.nc().publish(ack, bytes("+ACK"));
                c.awaitViolation(ack);
            }
            try (Connection admin = t.connect(REGION, NatsRole.ADMIN)) {
                assertThat(admin.jetStreamManagement().getConsumerInfo(view, durable).getName()).isEqualTo(durable);
            }
            assertThat(bus.nc().jetStreamManagement().deleteConsumer(view, durable)).as("its owner may delete it").isTrue();
        }
    }

    @Test
    void each_user_reads_only_its_own_inbox_and_only_responders_publish_into_one(LocalTopology t) throws Exception {
        try (Client observer = client(t, NatsRole.OBSERVER); Client lag = client(t, NatsRole.LAG_MONITOR);
             Client bus = client(t, NatsRole.REVOCATION_BUS)) {
            for (String sniff : List.of("_INBOX.>", NatsRole.inboxPrefix(Naming.operatorUser(LocalTopology.operators().get(0))) + ".>", ">")) {
                observer.nc().subscribe(sniff);
                observer.nc().flush(Duration.ofSeconds(2));
                observer.awaitViolation(sniff);
            }
            // Its own inbox works: a KV read is a request answered there.
            assertThat(kv(observer.nc(), Naming.CONTROL_BUCKET).get(olympus.wire.ClusterTopology.KEY)).isNotNull();
            String sreInbox = NatsRole.inboxPrefix(Naming.operatorUser(LocalTopology.operators().get(0))) + ".forged";
            lag.nc().publish(sreInbox, bytes("{\"outcome\":\"DONE\"}"));
            lag.awaitViolation(sreInbox);
            bus.nc().publish(sreInbox, bytes("{}"));
            bus.awaitViolation(sreInbox);
        }
    }

    @Test
    void the_leaf_credential_is_no_client_credential(LocalTopology t) {
        String leaf = NatsRole.LEAF.user(REGION);
        Options o = t.natsOptionsAs(t.natsUrl(REGION), leaf, t.credentials().natsPassword(leaf))
                .maxReconnects(0).connectionTimeout(Duration.ofSeconds(2)).build();
        assertThatThrownBy(() -> Nats.connect(o)).hasMessageContaining("Authorization Violation");
    }

    @Test
    void sre_may_send_control_commands_and_nothing_else(LocalTopology t) throws Exception {
        try (Client sre = client(t, NatsRole.SRE); Client coord = client(t, NatsRole.FAILOVER_COORDINATOR)) {
            var sub = coord.nc().subscribe(Naming.CONTROL_COMMANDS);
            coord.nc().flush(Duration.ofSeconds(2));
            String me = LocalTopology.operators().get(0);
            sre.nc().publish(Naming.controlCommand(me, "status"), bytes("{}"));
            assertThat(sub.nextMessage(Duration.ofSeconds(5))).as("command delivered").isNotNull();
            // Only on its own operator's subject: the principal the coordinator records is proven.
            for (String other : List.of(Naming.controlCommand("bob", "switchover"), "olympus.control.cmd.switchover")) {
                sre.nc().publish(other, bytes("{}"));
                sre.awaitViolation(other);
            }
            String subject = Naming.subject(Family.REVOCATION, REGION, "token");
            sre.nc().publish(subject, bytes("{}"));
            sre.awaitViolation(subject);
        }
    }

    @Test
    void observer_reads_but_cannot_publish_or_write(LocalTopology t) throws Exception {
        try (Client c = client(t, NatsRole.OBSERVER)) {
            assertThat(kv(c.nc(), Naming.CONTROL_BUCKET).get(olympus.wire.ClusterTopology.KEY)).isNotNull();
            String lag = Naming.subject(Family.LAG, REGION, "sample");
            c.nc().publish(lag, bytes("{}"));
            c.awaitViolation(lag);
            c.nc().publish(Naming.controlCommand("alice", "switchover"), bytes("{}"));
            c.awaitViolation(Naming.controlCommand("alice", "switchover"));
        }
    }

    @Test
    void a_wrong_password_is_refused(LocalTopology t) {
        Options o = t.natsOptionsAs(t.natsUrl(REGION), Naming.operatorUser("alice"), "not-the-password")
                .maxReconnects(0).connectionTimeout(Duration.ofSeconds(2)).build();
        assertThatThrownBy(() -> Nats.connect(o)).hasMessageContaining("Authorization Violation");
    }
}
