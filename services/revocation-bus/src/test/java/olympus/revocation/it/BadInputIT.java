package olympus.revocation.it;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Subscription;
import olympus.revocation.nats.IngestListener;
import olympus.topology.LocalTopology;
import olympus.render.NatsRole;
import olympus.topology.TopologyExtension;
import olympus.wire.Naming;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Malformed, oversized, unknown-version and unauthenticated inputs get clear errors, poison on the
 * bus is dead-lettered with its reason in every region, and good messages around them are applied.
 */
@ExtendWith(TopologyExtension.class)
class BadInputIT {
    static Cluster cluster;
    static LocalTopology topology;

    @BeforeAll
    static void up(LocalTopology t) {
        topology = t;
        cluster = Cluster.start(t);
    }

    @AfterAll
    static void down() {
        if (cluster != null) {
            cluster.close();
        }
    }

    static String good(String eventId, String jti) {
        Instant now = Instant.now();
        return "{\"type\":\"TokenRevoked\",\"schemaVersion\":1,\"eventId\":\"" + eventId + "\",\"originRegion\":\"us-east\","
                + "\"occurredAt\":\"" + now + "\",\"jti\":\"" + jti + "\",\"revokedAt\":\"" + now + "\",\"keepUntil\":\""
                + now.plusSeconds(3600) + "\"}";
    }

    @Test
    void poisonOnTheBusIsDeadLetteredAndGoodMessagesAroundItApplied() throws Exception {
        String run = Cluster.runId();
        List<Message> dead = new CopyOnWriteArrayList<>();
        try (Connection admin = topology.connect("us-east", NatsRole.ADMIN);
             Connection bus = topology.connect("us-east", NatsRole.REVOCATION_BUS)) {
            // Dead letters of every region, seen from us-east through the leaf nodes.
            Subscription sub = admin.subscribe("olympus.deadletter.revocation.>");
            admin.flush(Duration.ofSeconds(2));
            JetStream js = bus.jetStream();
            String subject = Naming.subject(Naming.Family.REVOCATION, "us-east", "token");
            String big = "{\"type\":\"TokenRevoked\",\"pad\":\"" + "x".repeat(9000) + "\"}";
            String[] poison = {
                    "{not json",
                    big,
                    good("v2-" + run, "v2-" + run).replace("\"schemaVersion\":1", "\"schemaVersion\":2"),
                    "{\"type\":\"AccountDeleted\",\"schemaVersion\":1}",
                    good("nojti-" + run, "x").replace("\"jti\":\"x\",", ""),
            };
            List<String> goodJtis = new ArrayList<>();
            for (int i = 0; i < poison.length; i++) {
                String j1 = "good-" + run + "-" + i;
                goodJtis.add(j1);
                js.publish(subject, good("g-" + j1, j1).getBytes(StandardCharsets.UTF_8));
                js.publish(subject, poison[i].getBytes(StandardCharsets.UTF_8));
            }
            // A batch message (one event per line) with a poison line between good ones: the good
            // ones are applied, the poison line alone is dead-lettered.
            String b1 = "batch-a-" + run;
            String b2 = "batch-b-" + run;
            goodJtis.add(b1);
            goodJtis.add(b2);
            js.publish(subject, (good("g-" + b1, b1) + "\n{\"type\":\"TokenRevoked\",\"schemaVersion\":1,\n"
                    + good("g-" + b2, b2)).getBytes(StandardCharsets.UTF_8));
            for (Region r : cluster.regions) {
                await().atMost(Duration.ofSeconds(20)).until(() -> r.enforcedJtis(goodJtis) == goodJtis.size());
            }
            int expectedDead = (poison.length + 1) * cluster.regions.size();
            long until = System.currentTimeMillis() + 20_000;
            while (dead.size() < expectedDead && System.currentTimeMillis() < until) {
                Message m = sub.nextMessage(Duration.ofMillis(500));
                if (m != null) {
                    dead.add(m);
                }
            }
            assertEquals(expectedDead, dead.size(), "one dead letter per poison event per region");
            List<String> reasons = dead.stream().map(m -> m.getHeaders().getFirst(Naming.DEAD_LETTER_REASON_HEADER)).toList();
            assertEquals(6, reasons.stream().filter(r -> r.startsWith("MALFORMED_JSON")).count(), reasons.toString());
            assertEquals(3, dead.stream().filter(m -> new String(m.getData(), StandardCharsets.UTF_8)
                    .equals("{\"type\":\"TokenRevoked\",\"schemaVersion\":1,")).count(), "the poison line alone is dead-lettered");
            for (String expected : new String[] {"TOO_LARGE", "UNSUPPORTED_VERSION", "UNKNOWN_TYPE",
                    "MISSING_FIELD"}) {
                assertEquals(3, reasons.stream().filter(r -> r.startsWith(expected)).count(), expected + " in " + reasons);
            }
            assertTrue(reasons.stream().anyMatch(r -> r.contains("schemaVersion 2 is not supported")), reasons.toString());
            for (Region r : cluster.regions) {
                String body = r.check("jti=" + goodJtis.get(2)).body();
                assertTrue(body.contains("\"REVOKED\""), body);
            }
        }
    }

    /**
     * eu-west's bus user may publish only eu-west's subjects (NATS refuses the rest), but it could
     * still write "us-east" in an event's originRegion: every region dead-letters such an event
     * (ORIGIN_MISMATCH) and applies the honest one beside it.
     */
    @Test
    void anEventClaimingAnotherRegionsOriginIsDeadLetteredEverywhere() throws Exception {
        String run = Cluster.runId();
        String forged = "forged-origin-" + run;
        String honest = "honest-origin-" + run;
        try (Connection bus = topology.connect("eu-west", NatsRole.REVOCATION_BUS)) {
            String subject = Naming.subject(Naming.Family.REVOCATION, "eu-west", "token");
            bus.jetStream().publish(subject, (good("g-" + forged, forged) + "\n"
                    + good("g-" + honest, honest).replace("\"originRegion\":\"us-east\"", "\"originRegion\":\"eu-west\""))
                    .getBytes(StandardCharsets.UTF_8));
        }
        awaitEnforcedEverywhere(List.of(honest));
        for (Region r : cluster.regions) {
            String region = r.name;
            await().atMost(Duration.ofSeconds(20)).until(() -> !storedDeadLetters(region, forged).isEmpty());
            String reason = storedDeadLetters(region, forged).get(0).getHeaders().getFirst(Naming.DEAD_LETTER_REASON_HEADER);
            assertTrue(reason.startsWith("ORIGIN_MISMATCH: "), reason);
            String body = r.check("jti=" + forged).body();
            assertTrue(body.contains("NOT_REVOKED"), region + ": " + body);
        }
    }

    /** Dead letters stored in {@code region}'s dead-letter stream whose payload mentions {@code needle}. */
    static List<io.nats.client.api.MessageInfo> storedDeadLetters(String region, String needle) throws Exception {
        List<io.nats.client.api.MessageInfo> out = new ArrayList<>();
        try (Connection admin = topology.connect(region, NatsRole.ADMIN)) {
            io.nats.client.JetStreamManagement jsm = admin.jetStreamManagement(
                    io.nats.client.JetStreamOptions.builder().domain(region).build());
            String stream = Naming.deadLetterStream(Naming.Family.REVOCATION);
            io.nats.client.api.StreamState st = jsm.getStreamInfo(stream).getStreamState();
            for (long seq = st.getLastSequence(); seq >= Math.max(1, st.getFirstSequence()) && seq > st.getLastSequence() - 200; seq--) {
                io.nats.client.api.MessageInfo mi;
                try {
                    mi = jsm.getMessage(stream, seq);
                } catch (io.nats.client.JetStreamApiException e) {
                    continue;
                }
                if (mi.getData() != null && new String(mi.getData(), StandardCharsets.UTF_8).contains(needle)) {
                    out.add(mi);
                }
            }
        }
        return out;
    }

    /** One message of these events, one per line, on us-east's origin stream, as the bus's own user (past ingest). */
    static void publishOnTheBus(List<String> lines) throws Exception {
        try (Connection bus = topology.connect("us-east", NatsRole.REVOCATION_BUS)) {
            bus.jetStream().publish(Naming.subject(Naming.Family.REVOCATION, "us-east", "token"),
                    String.join("\n", lines).getBytes(StandardCharsets.UTF_8));
        }
    }

    static void awaitEnforcedEverywhere(List<String> jtis) {
        for (Region r : cluster.regions) {
            await().atMost(Duration.ofSeconds(20)).until(() -> r.enforcedJtis(jtis) == jtis.size());
        }
    }

    static String token(String eventId, String jti, String keepUntil) {
        Instant now = Instant.now();
        return "{\"type\":\"TokenRevoked\",\"schemaVersion\":1,\"eventId\":\"" + eventId + "\",\"originRegion\":\"us-east\","
                + "\"occurredAt\":\"" + now + "\",\"jti\":\"" + jti + "\",\"revokedAt\":\"" + now + "\",\"keepUntil\":\""
                + keepUntil + "\"}";
    }

    /**
     * The reported poison: a far-future keep-until taken with 200 and then never enforced, and
     * in a batch it stalled every event after it. Now refused at the edge, naming the field, and
     * nothing of the batch is published.
     */
    @Test
    void aFarFutureKeepUntilIsRefusedWith400() throws Exception {
        Region east = cluster.region("us-east");
        String run = Cluster.runId();
        for (String far : new String[] {"+300000000-01-01T00:00:00Z", "+10000000-01-01T00:00:00Z", "2099-01-01T00:00:00Z"}) {
            HttpResponse<String> r = east.revoke("{\"kind\":\"token\",\"jti\":\"poison-" + run + "\",\"keepUntil\":\"" + far + "\"}");
            assertEquals(400, r.statusCode(), r.body());
            assertTrue(r.body().contains("keepUntil"), r.body());
        }
        StringBuilder batch = new StringBuilder("[");
        List<String> jtis = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            String j = "b25-" + run + "-" + i;
            jtis.add(j);
            batch.append(i == 0 ? "" : ",").append("{\"kind\":\"token\",\"jti\":\"").append(j).append('"')
                    .append(i == 12 ? ",\"keepUntil\":\"+10000000-01-01T00:00:00Z\"" : "").append('}');
        }
        HttpResponse<String> r = east.revoke(batch.append(']').toString());
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(r.body().contains("keepUntil"), r.body());
        Thread.sleep(500);
        for (Region region : cluster.regions) {
            assertEquals(0, region.enforcedJtis(jtis), "a refused batch publishes nothing in " + region.name);
        }
    }

    /**
     * A poison event inside a 500-event message on the bus (as a buggy or hostile publisher
     * could send it, past the ingest API): dead-lettered alone, into the stored dead-letter
     * stream of every region, and the other 499 enforced in every region.
     */
    @Test
    void aPoisonEventInA500EventBatchIsDeadLetteredAloneAndThe499Enforced() throws Exception {
        String run = Cluster.runId();
        List<String> goodJtis = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        String keep = Instant.now().plusSeconds(3600).toString();
        for (int i = 0; i < 500; i++) {
            String j = "p500-" + run + "-" + i;
            if (i == 250) {
                lines.add(token("bad-" + j, j, "+10000000-01-01T00:00:00Z"));
            } else {
                goodJtis.add(j);
                lines.add(token("g-" + j, j, keep));
            }
        }
        publishOnTheBus(lines);
        awaitEnforcedEverywhere(goodJtis);
        for (Region r : cluster.regions) {
            await().atMost(Duration.ofSeconds(10)).until(() -> storedDeadLetters(r.name, "bad-p500-" + run).size() == 1);
            io.nats.client.api.MessageInfo dl = storedDeadLetters(r.name, "bad-p500-" + run).get(0);
            String reason = dl.getHeaders().getFirst(Naming.DEAD_LETTER_REASON_HEADER);
            assertTrue(reason.startsWith("INVALID_FIELD") && reason.contains("keepUntil"), reason);
            assertEquals(1, storedDeadLetters(r.name, "p500-" + run).size(), "only the poison event is dead-lettered");
        }
    }

    /**
     * A key Redis cannot use for an event (a corrupt watermark of the wrong type) fails that
     * event alone: the script isolates each event, the event is dead-lettered with Redis' reason
     * in that region, and the 499 beside it are enforced; the other regions apply all 500.
     */
    @Test
    void anEventRedisRefusesFailsAloneAndTheRestOfItsBatchIsApplied() throws Exception {
        String run = Cluster.runId();
        String subject = "corrupt-" + run;
        Region west = cluster.region("eu-west");
        west.redis.rpush(olympus.revocation.core.Keys.subjectWatermark(subject), "not", "a", "watermark");
        List<String> goodJtis = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        Instant now = Instant.now();
        String keep = now.plusSeconds(3600).toString();
        for (int i = 0; i < 500; i++) {
            if (i == 250) {
                lines.add("{\"type\":\"SubjectRevoked\",\"schemaVersion\":1,\"eventId\":\"sub-" + run + "\","
                        + "\"originRegion\":\"us-east\",\"occurredAt\":\"" + now + "\",\"subject\":\"" + subject + "\","
                        + "\"issuedBefore\":\"" + now + "\",\"revokedAt\":\"" + now + "\",\"keepUntil\":\"" + keep + "\"}");
            } else {
                String j = "c500-" + run + "-" + i;
                goodJtis.add(j);
                lines.add(token("g-" + j, j, keep));
            }
        }
        publishOnTheBus(lines);
        awaitEnforcedEverywhere(goodJtis);
        await().atMost(Duration.ofSeconds(10)).until(() -> storedDeadLetters("eu-west", "sub-" + run).size() == 1);
        String reason = storedDeadLetters("eu-west", "sub-" + run).get(0).getHeaders()
                .getFirst(Naming.DEAD_LETTER_REASON_HEADER);
        assertTrue(reason.startsWith("REDIS_REFUSED") && reason.contains("WRONGTYPE"), reason);
        for (Region r : cluster.regions) {
            if (!r.name.equals("eu-west")) {
                await().atMost(Duration.ofSeconds(10)).until(
                        () -> r.redis.get(olympus.revocation.core.Keys.subjectWatermark(subject)) != null);
                assertEquals(0, storedDeadLetters(r.name, "sub-" + run).size(), "no dead letter in " + r.name);
            }
        }
        // Nothing is left ack-pending or redelivered: the consumer moved past the batch.
        try (Connection admin = topology.connect("eu-west", NatsRole.ADMIN)) {
            io.nats.client.JetStreamManagement jsm = admin.jetStreamManagement(
                    io.nats.client.JetStreamOptions.builder().domain("eu-west").build());
            await().atMost(Duration.ofSeconds(10)).until(() -> jsm.getConsumerNames(Naming.viewStream(Naming.Family.REVOCATION))
                    .stream().allMatch(c -> {
                        try {
                            return jsm.getConsumerInfo(Naming.viewStream(Naming.Family.REVOCATION), c).getNumAckPending() == 0;
                        } catch (Exception e) {
                            return false;
                        }
                    }));
        }
    }

    /**
     * The reported outage: after a poison event, an emptied Redis was never rebuilt (the rebuild
     * hit the same exception every round, and checks answered UNKNOWN for good). Now the
     * rebuild skips the bad event and finishes, and every good revocation is enforced again.
     */
    @Test
    void aRebuildPastAPoisonEventFinishes() throws Exception {
        String run = Cluster.runId();
        String goodJti = "rb-" + run;
        publishOnTheBus(List.of(token("rb-bad-" + run, "rb-bad-" + run, "+300000000-01-01T00:00:00Z"),
                token("g-" + goodJti, goodJti, Instant.now().plusSeconds(3600).toString())));
        Region west = cluster.region("eu-west");
        await().atMost(Duration.ofSeconds(20)).until(() -> west.enforcedJtis(List.of(goodJti)) == 1);
        west.redis.flushall();
        await().atMost(Duration.ofSeconds(30)).until(() -> "ready".equals(west.redis.get(olympus.revocation.core.Keys.STATE)));
        assertEquals(1, west.enforcedJtis(List.of(goodJti)));
        String body = west.check("jti=" + goodJti).body();
        assertTrue(body.contains("\"REVOKED\""), body);
        assertTrue(west.check("jti=never-" + run).body().contains("NOT_REVOKED"), "checks answer again after the rebuild");
    }

    /**
     * An event id reused for a different revocation used to be a silent "duplicate": the second
     * revocation was never enforced and the caller got 200. Now ingest answers 409 naming the
     * field; a retry of the same revocation with the same id is still a 200 duplicate; and on
     * the bus (past ingest) the reused id is dead-lettered as EVENT_ID_REUSED, not dropped.
     */
    @Test
    void anEventIdReusedForAnotherRevocationIsRefusedWith409() throws Exception {
        Region east = cluster.region("us-east");
        String run = Cluster.runId();
        String id = "reuse-" + run;
        HttpResponse<String> first = east.revoke("{\"kind\":\"token\",\"eventId\":\"" + id + "\",\"jti\":\"a-" + run + "\"}");
        assertEquals(200, first.statusCode(), first.body());
        await().atMost(Duration.ofSeconds(10)).until(() -> east.enforcedJtis(List.of("a-" + run)) == 1);
        HttpResponse<String> retry = east.revoke("{\"kind\":\"token\",\"eventId\":\"" + id + "\",\"jti\":\"a-" + run + "\"}");
        assertEquals(200, retry.statusCode(), "the same revocation again is a retry: " + retry.body());
        HttpResponse<String> other = east.revoke("{\"kind\":\"token\",\"eventId\":\"" + id + "\",\"jti\":\"b-" + run + "\"}");
        assertEquals(409, other.statusCode(), other.body());
        assertTrue(other.body().contains("\"field\":\"eventId\"") && other.body().contains("EVENT_ID_REUSED"), other.body());
        publishOnTheBus(List.of(token(id, "c-" + run, Instant.now().plusSeconds(3600).toString())));
        for (Region r : cluster.regions) {
            await().atMost(Duration.ofSeconds(10)).until(() -> storedDeadLetters(r.name, "c-" + run).size() == 1);
            String reason = storedDeadLetters(r.name, "c-" + run).get(0).getHeaders().getFirst(Naming.DEAD_LETTER_REASON_HEADER);
            assertTrue(reason.contains("EVENT_ID_REUSED"), reason);
        }
    }

    @Test
    void unauthenticatedAndUnauthorisedPublishersAreRefused() throws Exception {
        Region east = cluster.region("us-east");
        String body = "{\"kind\":\"token\",\"jti\":\"unauth\"}";
        HttpResponse<String> none = east.post("/v1/revocations", "application/json", body, null);
        assertEquals(401, none.statusCode());
        assertTrue(none.body().contains("Bearer"), none.body());
        assertEquals(401, east.post("/v1/revocations", "application/json", body, "wrong-token").statusCode());
        // A NATS user without the permission cannot put a revocation on the bus, whatever the message says.
        try (Connection router = topology.connect("us-east", NatsRole.SESSION_ROUTER)) {
            String subject = Naming.subject(Naming.Family.REVOCATION, "us-east", "token");
            assertThrows(Exception.class, () -> router.jetStream().publish(subject,
                    good("forged-" + Cluster.runId(), "forged").getBytes(StandardCharsets.UTF_8)));
        }
        // A wrong password does not even connect.
        assertThrows(Exception.class, () -> Nats.connect(topology.natsOptions(topology.natsUrl("us-east"),
                NatsRole.REVOCATION_BUS, "us-east").userInfo("revocation-bus-us-east", "not-the-password").maxReconnects(0).build()));
        assertTrue(east.check("jti=unauth").body().contains("NOT_REVOKED"));
        assertTrue(east.check("jti=forged").body().contains("NOT_REVOKED"));
    }

    @Test
    void badHttpRequestsGetA400NamingTheField() throws Exception {
        Region east = cluster.region("us-east");
        record Case(String body, String expectField, String expectText) {}
        Case[] cases = {
                new Case("{\"kind\":\"token\"", null, "not valid JSON"),
                new Case("{\"kind\":\"tokn\",\"jti\":\"a\"}", "kind", "must be one of"),
                new Case("{\"kind\":\"token\"}", "jti", "missing"),
                new Case("{\"kind\":\"token\",\"jti\":\"a\",\"sessionid\":\"s\"}", "sessionid", "unknown field"),
                new Case("{\"kind\":\"token\",\"tokenHash\":\"ABC\"}", "tokenHash", "SHA-256"),
                new Case("{\"kind\":\"subject\",\"subject\":\"u\",\"keepUntil\":\"2001-01-01T00:00:00Z\"}", "keepUntil", "before"),
                new Case("{\"kind\":\"session\",\"sessionId\":\"s\",\"revokedAt\":\"yesterday\"}", "revokedAt", "ISO-8601"),
                new Case("{\"revocations\":[{\"kind\":\"token\",\"jti\":\"ok\"},{\"kind\":\"client\"}]}", "clientId", "\"index\":1"),
                new Case("[]", "revocations", "empty"),
        };
        for (Case c : cases) {
            HttpResponse<String> r = east.revoke(c.body());
            assertEquals(400, r.statusCode(), c.body() + " -> " + r.body());
            if (c.expectField() != null) {
                assertTrue(r.body().contains("\"field\":\"" + c.expectField() + "\""), c.body() + " -> " + r.body());
            }
            assertTrue(r.body().contains(c.expectText()), c.body() + " -> " + r.body());
        }
        // Nothing of a refused batch was published, not even its valid first entry.
        assertTrue(east.check("jti=ok").body().contains("NOT_REVOKED"));
        StringBuilder huge = new StringBuilder("{\"revocations\":[");
        for (int i = 0; i < 1001; i++) {
            huge.append(i == 0 ? "" : ",").append("{\"kind\":\"token\",\"jti\":\"h").append(i).append("\"}");
        }
        HttpResponse<String> tooMany = east.revoke(huge.append("]}").toString());
        assertEquals(400, tooMany.statusCode());
        assertTrue(tooMany.body().contains("TOO_LARGE"), tooMany.body());
        HttpResponse<String> tooBig = east.revoke("{\"kind\":\"token\",\"jti\":\"" + "y".repeat(1_100_000) + "\"}");
        assertEquals(413, tooBig.statusCode());
        // Micronaut's own refusals in the API's error body, not its _embedded.errors shape.
        assertTrue(tooBig.body().contains("\"rejection\":\"TOO_LARGE\"") && tooBig.body().contains("\"field\":\"body\""), tooBig.body());
        HttpResponse<String> setTooBig = east.post("/v1/revocations/caep", "application/secevent+jwt", "e".repeat(1_100_000), Region.CAEP_TOKEN);
        assertEquals(413, setTooBig.statusCode());
        assertTrue(setTooBig.body().contains("\"err\":\"invalid_request\""), "RFC 8935 shape on the SET endpoint: " + setTooBig.body());
        String badEscape = east.rawGet("/v1/revocations/check?jti=%zz");
        assertTrue(badEscape.startsWith("HTTP/1.1 400"), badEscape);
        assertTrue(badEscape.contains("\"field\":\"uri\"") && badEscape.contains("percent-encoding"), badEscape);
        HttpResponse<String> badCheck = east.check("subject=u");
        assertEquals(400, badCheck.statusCode());
        assertTrue(badCheck.body().contains("iat"), badCheck.body());
    }

    @Test
    void natsIngestAndCaepSetIngest() throws Exception {
        String run = Cluster.runId();
        Region west = cluster.region("eu-west");
        try (Connection admin = topology.connect("eu-west", NatsRole.REVOCATION_CLIENT)) {
            Message ok = admin.request(IngestListener.subject("eu-west"),
                    ("{\"kind\":\"session\",\"sessionId\":\"nats-" + run + "\"}").getBytes(StandardCharsets.UTF_8),
                    Duration.ofSeconds(5));
            assertNotNull(ok);
            assertEquals("200", ok.getHeaders().getFirst("Status"), new String(ok.getData(), StandardCharsets.UTF_8));
            Message bad = admin.request(IngestListener.subject("eu-west"), "{\"kind\":\"session\"}".getBytes(StandardCharsets.UTF_8),
                    Duration.ofSeconds(5));
            assertEquals("400", bad.getHeaders().getFirst("Status"));
            assertTrue(new String(bad.getData(), StandardCharsets.UTF_8).contains("sessionId"));
        }
        for (Region r : cluster.regions) {
            await().atMost(Duration.ofSeconds(15)).until(() -> r.check("sessionId=nats-" + run).body().contains("\"REVOKED\""));
        }
        String set = jws("{\"alg\":\"HS256\",\"typ\":\"secevent+jwt\"}", "{\"iss\":\"https://idp.example\",\"jti\":\"set-"
                + run + "\",\"iat\":" + Instant.now().getEpochSecond() + ",\"aud\":\"olympus\",\"events\":{\""
                + "https://schemas.openid.net/secevent/caep/event-type/session-revoked\":{\"subject\":{\"format\":\"opaque\","
                + "\"id\":\"caep-" + run + "\"},\"event_timestamp\":" + Instant.now().getEpochSecond() + "}}}", Region.CAEP_SECRET);
        // The transmitter's own credential: SETs only.
        HttpResponse<String> accepted = west.post("/v1/revocations/caep", "application/secevent+jwt", set, Region.CAEP_TOKEN);
        assertEquals(202, accepted.statusCode(), accepted.body());
        HttpResponse<String> plain = west.post("/v1/revocations", "application/json",
                "{\"kind\":\"subject\",\"subject\":\"victim-" + run + "\"}", Region.CAEP_TOKEN);
        assertEquals(401, plain.statusCode(), "a transmitter token is not an ingest token: " + plain.body());
        for (Region r : cluster.regions) {
            await().atMost(Duration.ofSeconds(15)).until(() -> r.check("sessionId=caep-" + run).body().contains("\"REVOKED\""));
        }
        HttpResponse<String> forged = west.post("/v1/revocations/caep", "application/secevent+jwt",
                set.substring(0, set.lastIndexOf('.') + 1) + "AAAA", Region.TOKEN);
        assertEquals(400, forged.statusCode());
        assertTrue(forged.body().contains("signature"), forged.body());
    }

    static String jws(String header, String payload, String secret) throws Exception {
        Base64.Encoder b = Base64.getUrlEncoder().withoutPadding();
        String input = b.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
                + b.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return input + "." + b.encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
    }


    /**
     * A full audit stream cannot starve revocations of JetStream space: it is capped in bytes and
     * drops its oldest records at the cap (StreamLayout). Here us-east's AUDIT origin is capped at
     * 1 MiB and sent 3 MiB of records; it stays at the cap, and revocation ingest in the same
     * region and store goes on, enforced everywhere.
     */
    @Test
    void aFullAuditStreamDoesNotStopRevocationIngest() throws Exception {
        String run = Cluster.runId();
        String stream = Naming.originStream(Naming.Family.AUDIT, "us-east");
        try (Connection admin = topology.connect("us-east", NatsRole.ADMIN)) {
            var jso = io.nats.client.JetStreamOptions.builder().domain(Naming.domain("us-east")).build();
            var jsm = admin.jetStreamManagement(jso);
            var original = jsm.getStreamInfo(stream).getConfiguration();
            jsm.updateStream(io.nats.client.api.StreamConfiguration.builder(original).maxBytes(1L << 20).build());
            try {
                JetStream js = admin.jetStream(jso);
                byte[] record = new byte[16 * 1024];
                java.util.Arrays.fill(record, (byte) 'a');
                for (int i = 0; i < 192; i++) {
                    js.publish(Naming.subject(Naming.Family.AUDIT, "us-east", "step"), record);
                }
                var state = jsm.getStreamInfo(stream).getStreamState();
                System.out.printf("full audit stream: %d bytes in %d records after 3 MiB sent (cap 1 MiB)%n", state.getByteCount(),
                        state.getMsgCount());
                assertTrue(state.getByteCount() <= 1L << 20, "capped: " + state.getByteCount());
                List<String> jtis = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    jtis.add("audit-full-" + run + "-" + i);
                }
                HttpResponse<String> r = cluster.region("us-east").revoke(Cluster.tokenBatch(jtis, "audit full"));
                assertEquals(200, r.statusCode(), r.body());
                for (String region : topology.regions()) {
                    await().atMost(Duration.ofSeconds(20)).until(() -> cluster.region(region).enforcedJtis(jtis) == jtis.size());
                }
            } finally {
                jsm.updateStream(original);
            }
        }
    }
}
