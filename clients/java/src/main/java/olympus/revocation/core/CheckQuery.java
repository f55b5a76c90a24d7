package olympus.revocation.core;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What a caller knows about a credential it is about to accept. Any combination: a token check
 * usually passes jti (or hash), session id, subject, client id and iat together, so one lookup
 * covers every kind of revocation that could hit it.
 *
 * @param iat when the token or session was issued; required with subject or client, since their
 *     revocations are watermarks ("issued before T")
 */
public record CheckQuery(String jti, String tokenHash, String sessionId, String subject, String clientId, Instant iat) {
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    static final int MAX_ID = 512;

    /** Which of the revocation kinds this query can be hit by. */
    public enum Part { JTI, TOKEN_HASH, SESSION, SUBJECT, CLIENT }

    /** @throws IllegalArgumentException naming the field when the query is unusable */
    public CheckQuery {
        field("jti", jti);
        field("tokenHash", tokenHash);
        if (tokenHash != null && !SHA256_HEX.matcher(tokenHash).matches()) {
            throw new IllegalArgumentException("tokenHash: must be a lower-case hex SHA-256 (64 characters)");
        }
        field("sessionId", sessionId);
        field("subject", subject);
        field("clientId", clientId);
        if (jti == null && tokenHash == null && sessionId == null && subject == null && clientId == null) {
            throw new IllegalArgumentException("query: give at least one of jti, tokenHash, sessionId, subject, clientId");
        }
        if ((subject != null || clientId != null) && iat == null) {
            throw new IllegalArgumentException("iat: required with subject or clientId (their revocations are "
                    + "'issued before T' watermarks)");
        }
    }

    private static void field(String name, String v) {
        if (v != null && (v.isBlank() || v.length() > MAX_ID)) {
            throw new IllegalArgumentException(name + ": must be 1 to " + MAX_ID + " non-blank characters");
        }
    }

    public List<Part> parts() {
        List<Part> p = new ArrayList<>(5);
        if (jti != null) {
            p.add(Part.JTI);
        }
        if (tokenHash != null) {
            p.add(Part.TOKEN_HASH);
        }
        if (sessionId != null) {
            p.add(Part.SESSION);
        }
        if (subject != null) {
            p.add(Part.SUBJECT);
        }
        if (clientId != null) {
            p.add(Part.CLIENT);
        }
        return p;
    }

    /** Redis keys to read, in {@link #parts()} order, followed by {@link Keys#STATE}. */
    public List<String> keys() {
        List<String> k = new ArrayList<>(6);
        for (Part p : parts()) {
            k.add(switch (p) {
                case JTI -> Keys.jti(jti);
                case TOKEN_HASH -> Keys.tokenHash(tokenHash);
                case SESSION -> Keys.session(sessionId);
                case SUBJECT -> Keys.subjectWatermark(subject);
                case CLIENT -> Keys.clientWatermark(clientId);
            });
        }
        k.add(Keys.STATE);
        return k;
    }
}
