package olympus.wire;

import static olympus.wire.Events.CODEC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class EventCodecRejectionTest {

    /** Decoding must fail with this rejection, on this field, with a message that names it. */
    static WireException assertRejected(byte[] payload, Rejection rejection, String field) {
        return assertRejected(CODEC, payload, WireEvent.class, rejection, field);
    }

    static WireException assertRejected(EventCodec codec, byte[] payload, Class<? extends WireEvent> expected,
            Rejection rejection, String field) {
        WireException e = assertThrows(WireException.class, () -> codec.decode(payload, expected));
        assertEquals(rejection, e.rejection(), e.getMessage());
        assertEquals(field, e.field(), e.getMessage());
        if (field != null) {
            assertTrue(e.getMessage().contains(field), "message should name '" + field + "': " + e.getMessage());
        }
        return e;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // TOO_LARGE

    @Test
    void oversizedPayloadIsRejectedBeforeParsing() {
        byte[] garbage = new byte[9000];
        Arrays.fill(garbage, (byte) '{');

        WireException e = assertRejected(garbage, Rejection.TOO_LARGE, null);
        assertEquals("payload is 9000 bytes, over the 8192-byte limit", e.getMessage());
    }

    @Test
    void customLimitApplies() {
        byte[] json = CODEC.encode(Events.token());
        EventCodec tight = new EventCodec(json.length - 1);

        assertRejected(tight, json, WireEvent.class, Rejection.TOO_LARGE, null);
        WireException e = assertThrows(WireException.class, () -> tight.encode(Events.token()));
        assertEquals(Rejection.TOO_LARGE, e.rejection());
    }

    @Test
    void limitMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new EventCodec(0));
    }

    // MALFORMED_JSON

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"type\":\"TokenRevoked\",\"schemaVersion\":1",
            "{\"type\":\"TokenRevoked\"} trailing",
            "{}{}",
            "{\"type\":\"TokenRevoked\",\"type\":\"SessionRevoked\"}",
            "{type:\"TokenRevoked\"}",
            "{'type':'TokenRevoked'}",
            "",
            "   "})
    void malformedJsonIsRejected(String payload) {
        WireException e = assertRejected(utf8(payload), Rejection.MALFORMED_JSON, null);
        assertFalse(e.getMessage().contains("\n"), "one-line message: " + e.getMessage());
    }

    @Test
    void invalidUtf8IsMalformed() {
        assertRejected(new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'},
                Rejection.MALFORMED_JSON, null);
    }

    // NOT_AN_OBJECT

    @ParameterizedTest
    @ValueSource(strings = {"[]", "[{\"type\":\"TokenRevoked\"}]", "\"x\"", "42", "true", "null"})
    void nonObjectIsRejected(String payload) {
        assertRejected(utf8(payload), Rejection.NOT_AN_OBJECT, null);
    }

    // UNKNOWN_TYPE

    @ParameterizedTest
    @ValueSource(strings = {"TokenExpired", "tokenRevoked", "WireEvent", ""})
    void unknownTypeIsRejected(String type) {
        assertRejected(Events.edited(Events.token(), n -> n.put("type", type)), Rejection.UNKNOWN_TYPE, "type");
    }

    // TYPE_MISMATCH

    @Test
    void typeOtherThanExpectedIsRejected() {
        WireException e = assertRejected(CODEC, CODEC.encode(Events.token()), SessionRevoked.class,
                Rejection.TYPE_MISMATCH, "type");
        assertTrue(e.getMessage().contains("TokenRevoked") && e.getMessage().contains("SessionRevoked"),
                e.getMessage());
    }

    // UNSUPPORTED_VERSION

    @ParameterizedTest
    @ValueSource(strings = {"0", "2", "99", "-1", "\"1\"", "1.0", "1.5", "10000000000", "true"})
    void unsupportedVersionIsRejected(String version) {
        assertRejected(Events.withField(Events.token(), "schemaVersion", version),
                Rejection.UNSUPPORTED_VERSION, "schemaVersion");
    }

    @Test
    void unsupportedVersionMessage() {
        WireException e = assertRejected(Events.withField(Events.lag(), "schemaVersion", "7"),
                Rejection.UNSUPPORTED_VERSION, "schemaVersion");
        assertEquals("schemaVersion 7 is not supported (supported: 1)", e.getMessage());
    }

    @Test
    void newerVersionWinsOverUnknownType() {
        byte[] json = Events.edited(Events.token(), n -> n.put("schemaVersion", 2).put("type", "KeyRotated"));
        assertRejected(json, Rejection.UNSUPPORTED_VERSION, "schemaVersion");
    }

    // MISSING_FIELD

    @ParameterizedTest
    @ValueSource(strings = {"type", "eventId", "schemaVersion", "originRegion", "occurredAt", "revokedAt", "keepUntil"})
    void everyRequiredFieldOfTokenRevokedIsChecked(String field) {
        WireException e = assertRejected(Events.edited(Events.token(), n -> n.remove(field)),
                Rejection.MISSING_FIELD, field);
        assertEquals("field '" + field + "' is missing", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"eventId", "originRegion", "occurredAt", "keepUntil"})
    void explicitNullCountsAsMissing(String field) {
        assertRejected(Events.withField(Events.token(), field, "null"), Rejection.MISSING_FIELD, field);
    }

    @Test
    void tokenNeedsJtiOrHash() {
        byte[] json = Events.edited(Events.token(), n -> n.remove(java.util.List.of("jti", "tokenHash")));
        WireException e = assertRejected(json, Rejection.MISSING_FIELD, "jti");
        assertTrue(e.getMessage().contains("tokenHash"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({
            "SessionRevoked, sessionId",
            "SubjectRevoked, subject",
            "SubjectRevoked, issuedBefore",
            "ClientRevoked, clientId",
            "ClientRevoked, issuedBefore",
            "ReplicaLagSampled, replica",
            "ReplicaLagSampled, primary",
            "ReplicaLagSampled, epoch",
            "ReplicaLagSampled, replayPaused",
            "ReplicaLagSampled, state"})
    void requiredFieldsOfOtherTypesAreChecked(String type, String field) {
        assertRejected(Events.edited(Events.sample(type), n -> n.remove(field)), Rejection.MISSING_FIELD, field);
    }

    // INVALID_FIELD

    static Stream<Arguments> invalidFields() {
        return Stream.of(
                // identity and header
                Arguments.of("TokenRevoked", "eventId", "\"has space\""),
                Arguments.of("TokenRevoked", "eventId", "\"\""),
                Arguments.of("TokenRevoked", "eventId", "\"" + "e".repeat(129) + "\""),
                Arguments.of("TokenRevoked", "originRegion", "\"US-East\""),
                Arguments.of("TokenRevoked", "originRegion", "\"us_east\""),
                Arguments.of("TokenRevoked", "originRegion", "\"us.east\""),
                Arguments.of("TokenRevoked", "originRegion", "\"u\""),
                Arguments.of("ReplicaLagSampled", "replica", "\"eu west\""),
                Arguments.of("ReplicaLagSampled", "primary", "\"-us-east\""),
                // instants
                Arguments.of("TokenRevoked", "occurredAt", "\"yesterday\""),
                Arguments.of("TokenRevoked", "occurredAt", "\"2026-11-22\""),
                Arguments.of("TokenRevoked", "revokedAt", "\"2026-11-22T03:00:00\""),
                Arguments.of("SubjectRevoked", "issuedBefore", "\"\""),
                // token hash
                Arguments.of("TokenRevoked", "tokenHash", "\"" + Events.HASH.toUpperCase() + "\""),
                Arguments.of("TokenRevoked", "tokenHash", "\"" + Events.HASH.substring(1) + "\""),
                Arguments.of("TokenRevoked", "tokenHash", "\"" + "g".repeat(64) + "\""),
                // strings
                Arguments.of("TokenRevoked", "jti", "\"   \""),
                Arguments.of("TokenRevoked", "jti", "\"" + "j".repeat(513) + "\""),
                Arguments.of("SessionRevoked", "sessionId", "\"\""),
                Arguments.of("SessionRevoked", "subject", "\" \""),
                Arguments.of("ClientRevoked", "clientId", "\"" + "c".repeat(513) + "\""),
                Arguments.of("ClientRevoked", "reason", "\"" + "r".repeat(513) + "\""),
                // window
                Arguments.of("TokenRevoked", "keepUntil", "\"2026-11-22T02:59:59Z\""),
                Arguments.of("SubjectRevoked", "keepUntil", "\"2000-01-01T00:00:00Z\""),
                // lag figures
                Arguments.of("ReplicaLagSampled", "epoch", "-1"),
                Arguments.of("ReplicaLagSampled", "heartbeatLagMs", "-0.5"),
                Arguments.of("ReplicaLagSampled", "writeLagMs", "-1"),
                Arguments.of("ReplicaLagSampled", "flushLagMs", "-2"),
                Arguments.of("ReplicaLagSampled", "replayLagMs", "-3"),
                Arguments.of("ReplicaLagSampled", "byteLag", "-5"),
                Arguments.of("ReplicaLagSampled", "receiveLsn", "\"3000148\""),
                Arguments.of("ReplicaLagSampled", "replayLsn", "\"0/3000abc\""),
                Arguments.of("ReplicaLagSampled", "replayLsn", "\"0x0/3000148\""),
                Arguments.of("ReplicaLagSampled", "state", "\"DEGRADED\""),
                Arguments.of("ReplicaLagSampled", "state", "\"ok\""),
                Arguments.of("ReplicaLagSampled", "walStatus", "\"\""),
                // wrong JSON types
                Arguments.of("TokenRevoked", "type", "42"),
                Arguments.of("TokenRevoked", "jti", "42"),
                Arguments.of("TokenRevoked", "eventId", "{\"id\":\"x\"}"),
                Arguments.of("TokenRevoked", "originRegion", "[\"us-east\"]"),
                Arguments.of("TokenRevoked", "occurredAt", "1795316400123"),
                Arguments.of("ReplicaLagSampled", "epoch", "\"3\""),
                Arguments.of("ReplicaLagSampled", "epoch", "1.5"),
                Arguments.of("ReplicaLagSampled", "byteLag", "1e30"),
                Arguments.of("ReplicaLagSampled", "writeLagMs", "\"12\""),
                Arguments.of("ReplicaLagSampled", "replayPaused", "\"true\""),
                Arguments.of("ReplicaLagSampled", "replayPaused", "0"));
    }

    @ParameterizedTest(name = "{0}.{1} = {2}")
    @MethodSource("invalidFields")
    void invalidFieldIsRejected(String type, String field, String rawJson) {
        assertRejected(Events.withField(Events.sample(type), field, rawJson), Rejection.INVALID_FIELD, field);
    }

    @Test
    void badInstantMessageQuotesTheValue() {
        WireException e = assertRejected(Events.withField(Events.token(), "occurredAt", "\"yesterday\""),
                Rejection.INVALID_FIELD, "occurredAt");
        assertEquals("field 'occurredAt' is not an ISO-8601 instant: 'yesterday'", e.getMessage());
    }

    @Test
    void wrongJsonTypeMessageSaysWhatWasExpected() {
        WireException e = assertRejected(Events.withField(Events.token(), "jti", "42"),
                Rejection.INVALID_FIELD, "jti");
        assertEquals("field 'jti' must be a JSON string, got number '42'", e.getMessage());
    }

    @Test
    void rejectedValuesCannotInjectLinesIntoMessages() {
        // Messages go into logs and the dead-letter header, where a newline would split them.
        WireException e = assertRejected(Events.withField(Events.token(), "originRegion", "\"us\\r\\nevil: 1\""),
                Rejection.INVALID_FIELD, "originRegion");
        assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("\r"), e.getMessage());
    }

    @Test
    void longRejectedValuesAreShortenedInMessages() {
        WireException e = assertRejected(Events.withField(Events.token(), "tokenHash", "\"" + "A".repeat(5000) + "\""),
                Rejection.INVALID_FIELD, "tokenHash");
        assertTrue(e.getMessage().length() < 200, e.getMessage());
    }

    @Test
    void nullPayloadIsAProgrammingError() {
        assertThrows(NullPointerException.class, () -> CODEC.decode(null));
    }

    @Test
    void emptyPayloadIsMalformed() {
        assertNull(assertRejected(new byte[0], Rejection.MALFORMED_JSON, null).field());
    }
}
