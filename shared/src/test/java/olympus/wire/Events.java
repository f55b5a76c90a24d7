package olympus.wire;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;

/** Valid sample events, and a way to bend their JSON into invalid ones. */
final class Events {
    private Events() {}

    static final Instant T0 = Instant.parse("2026-11-22T03:00:00.123Z");
    static final Instant LATER = T0.plus(Duration.ofHours(1));
    static final String HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    static final EventCodec CODEC = new EventCodec();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    static TokenRevoked token() {
        return new TokenRevoked("evt-token-1", 1, "us-east", T0, "jti-123", HASH, T0, LATER, "logout");
    }

    static SessionRevoked session() {
        return new SessionRevoked("evt-session-1", 1, "eu-west", T0, "sess-42", "user-7", T0, LATER, "admin");
    }

    static SubjectRevoked subject() {
        return new SubjectRevoked("evt-subject-1", 1, "us-east", T0, "user-7", T0, T0, LATER, "password reset");
    }

    static ClientRevoked client() {
        return new ClientRevoked("evt-client-1", 1, "ap-south", T0, "client-a", T0, T0, LATER, "secret leaked");
    }

    static ReplicaLagSampled lag() {
        return new ReplicaLagSampled("evt-lag-1", 1, "eu-west", T0, "eu-west", "us-east", 3L,
                42.5, 1.25, 2.5, 40.0, 16384L, "0/3000148", "0/3000100", false, "reserved", 1_048_576L,
                ReplicaLagSampled.OK, null);
    }

    static WireEvent sample(String type) {
        return switch (type) {
            case "TokenRevoked" -> token();
            case "SessionRevoked" -> session();
            case "SubjectRevoked" -> subject();
            case "ClientRevoked" -> client();
            case "ReplicaLagSampled" -> lag();
            default -> throw new IllegalArgumentException(type);
        };
    }

    static ObjectNode tree(byte[] json) {
        try {
            return (ObjectNode) MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The encoding of {@code event}, edited. */
    static byte[] edited(WireEvent event, Consumer<ObjectNode> edit) {
        ObjectNode node = tree(CODEC.encode(event));
        edit.accept(node);
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The encoding of {@code event} with one field set to a raw JSON value. */
    static byte[] withField(WireEvent event, String field, String rawJson) {
        return edited(event, n -> {
            try {
                n.set(field, MAPPER.readTree(rawJson));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
