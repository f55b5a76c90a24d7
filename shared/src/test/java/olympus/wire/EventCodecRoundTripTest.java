package olympus.wire;

import static olympus.wire.Events.CODEC;
import static olympus.wire.Events.HASH;
import static olympus.wire.Events.LATER;
import static olympus.wire.Events.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EventCodecRoundTripTest {

    @ParameterizedTest
    @ValueSource(strings = {"TokenRevoked", "SessionRevoked", "SubjectRevoked", "ClientRevoked", "ReplicaLagSampled"})
    void everyTypeRoundTrips(String type) {
        WireEvent event = Events.sample(type);
        byte[] json = CODEC.encode(event);

        assertEquals(event, CODEC.decode(json));
        assertEquals(event, CODEC.decode(json, event.getClass()));
        assertEquals(type, Events.tree(json).get("type").textValue());
    }

    @Test
    void wireFormIsOneFlatObjectWithIsoInstants() {
        String json = new String(CODEC.encode(Events.token()), StandardCharsets.UTF_8);

        assertEquals("{\"type\":\"TokenRevoked\",\"eventId\":\"evt-token-1\",\"schemaVersion\":1,"
                + "\"originRegion\":\"us-east\",\"occurredAt\":\"2026-11-22T03:00:00.123Z\",\"jti\":\"jti-123\","
                + "\"tokenHash\":\"" + HASH + "\",\"revokedAt\":\"2026-11-22T03:00:00.123Z\","
                + "\"keepUntil\":\"2026-11-22T04:00:00.123Z\",\"reason\":\"logout\"}", json);
    }

    @Test
    void nullOptionalFieldsAreOmittedAndComeBackNull() {
        ReplicaLagSampled unknown = new ReplicaLagSampled("evt-lag-2", 1, "eu-west", T0, "eu-west", "us-east", 0L,
                null, null, null, null, null, null, null, false, null, null, ReplicaLagSampled.UNKNOWN,
                "replica unreachable");
        byte[] json = CODEC.encode(unknown);
        ObjectNode tree = Events.tree(json);

        for (String field : new String[] {"heartbeatLagMs", "writeLagMs", "flushLagMs", "replayLagMs", "byteLag",
                "receiveLsn", "replayLsn", "walStatus", "safeWalSizeBytes"}) {
            assertFalse(tree.has(field), field);
        }
        assertEquals(unknown, CODEC.decode(json));
    }

    @Test
    void tokenIdentifiedByHashAloneRoundTrips() {
        TokenRevoked byHash = new TokenRevoked("evt-2", 1, "us-east", T0, null, HASH, T0, LATER, null);
        byte[] json = CODEC.encode(byHash);

        assertFalse(Events.tree(json).has("jti"));
        assertFalse(Events.tree(json).has("reason"));
        assertEquals(byHash, CODEC.decode(json, TokenRevoked.class));
    }

    @Test
    void sessionWithoutSubjectRoundTrips() {
        SessionRevoked anonymous = new SessionRevoked("evt-3", 1, "us-east", T0, "sess-1", null, T0, T0, null);
        assertEquals(anonymous, CODEC.decode(CODEC.encode(anonymous)));
    }

    @Test
    void nanosecondInstantsSurvive() {
        Instant precise = Instant.parse("2026-11-22T03:00:00.123456789Z");
        SubjectRevoked event = new SubjectRevoked("evt-4", 1, "us-east", precise, "user-7", precise, precise,
                precise, null);
        assertEquals(event, CODEC.decode(CODEC.encode(event)));
    }

    @Test
    void negativeSafeWalSizeIsAccepted() {
        // PostgreSQL reports it negative for an "unreserved" slot: a warning, not a bad sample.
        ReplicaLagSampled l = Events.lag();
        ReplicaLagSampled unreserved = new ReplicaLagSampled(l.eventId(), 1, l.originRegion(), l.occurredAt(),
                l.replica(), l.primary(), l.epoch(), l.heartbeatLagMs(), l.writeLagMs(), l.flushLagMs(),
                l.replayLagMs(), l.byteLag(), l.receiveLsn(), l.replayLsn(), true, "unreserved", -4096L,
                ReplicaLagSampled.LAGGING, null);
        assertEquals(unreserved, CODEC.decode(CODEC.encode(unreserved)));
    }

    @Test
    void unknownExtraFieldsAreIgnored() {
        byte[] json = Events.edited(Events.session(), n -> {
            n.put("audience", "athena");
            n.putObject("caep").put("event_timestamp", 1_700_000_000L);
            n.putArray("tags").add(1).add("two");
            n.putNull("nothing");
        });
        assertEquals(Events.session(), CODEC.decode(json));
    }

    @Test
    void fieldOrderDoesNotMatter() {
        String json = "{\"keepUntil\":\"2026-11-22T04:00:00.123Z\",\"revokedAt\":\"2026-11-22T03:00:00.123Z\","
                + "\"clientId\":\"client-a\",\"issuedBefore\":\"2026-11-22T03:00:00.123Z\",\"reason\":\"secret leaked\","
                + "\"occurredAt\":\"2026-11-22T03:00:00.123Z\",\"originRegion\":\"ap-south\","
                + "\"eventId\":\"evt-client-1\",\"schemaVersion\":1,\"type\":\"ClientRevoked\"}";
        assertEquals(Events.client(), CODEC.decode(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void payloadExactlyAtTheLimitIsAccepted() {
        byte[] json = CODEC.encode(Events.token());
        EventCodec tight = new EventCodec(json.length);

        assertEquals(Events.token(), tight.decode(json));
        assertEquals(json.length, tight.maxBytes());
    }
}
