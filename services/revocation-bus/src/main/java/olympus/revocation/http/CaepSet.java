package olympus.revocation.http;

import com.fasterxml.jackson.databind.JsonNode;
import olympus.revocation.core.RevocationRequest;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Maps a CAEP {@code session-revoked} Security Event Token (RFC 8417, compact JWS, HS256) to a
 * revocation request, so an SSF transmitter can push into the bus (RFC 8935 push delivery).
 *
 * <p>Subject forms understood: {@code complex} with a {@code session} member (session revoked,
 * subject carried if {@code user} is {@code iss_sub}); {@code opaque} (its id is the session id);
 * {@code iss_sub} (every session and token of that subject issued before the event: a watermark).
 * The SET's {@code jti} becomes the event id, so a transmitter's retry is stored once.
 */
public final class CaepSet {
    public static final String SESSION_REVOKED = "https://schemas.openid.net/secevent/caep/event-type/session-revoked";
    private static final Pattern EVENT_ID = Pattern.compile("[A-Za-z0-9._:-]{1,120}");

    private final byte[] secret;
    private final String issuer;

    public CaepSet(String secret, String issuer) {
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
        this.issuer = issuer == null || issuer.isBlank() ? null : issuer;
    }

    public RevocationRequest parse(String compact) {
        if (compact == null || compact.isBlank()) {
            throw bad(null, "body is empty: expected a compact JWS (application/secevent+jwt)");
        }
        String[] parts = compact.strip().split("\\.", -1);
        if (parts.length != 3) {
            throw bad(null, "not a compact JWS: expected 3 dot-separated parts, got " + parts.length);
        }
        JsonNode header = json(parts[0], "header");
        if (!"HS256".equals(header.path("alg").asText())) {
            throw bad("alg", "alg must be HS256, got '" + RequestJson.clip(header.path("alg").asText()) + "'");
        }
        verify(parts);
        JsonNode set = json(parts[1], "payload");
        if (issuer != null && !issuer.equals(set.path("iss").asText())) {
            throw bad("iss", "iss is not the configured transmitter");
        }
        String jti = set.path("jti").asText(null);
        if (jti == null || jti.isBlank()) {
            throw bad("jti", "jti is missing (RFC 8417 requires it)");
        }
        JsonNode event = set.path("events").path(SESSION_REVOKED);
        if (!event.isObject()) {
            throw bad("events", "no " + SESSION_REVOKED + " event in the SET");
        }
        Instant at = event.has("event_timestamp") ? Instant.ofEpochSecond(event.path("event_timestamp").asLong())
                : set.has("iat") ? Instant.ofEpochSecond(set.path("iat").asLong()) : null;
        JsonNode subject = event.has("subject") ? event.get("subject") : set.path("sub_id");
        String reason = "CAEP session-revoked from " + RequestJson.clip(set.path("iss").asText("?"))
                + (event.has("reason_admin") ? ": " + RequestJson.clip(event.path("reason_admin").toString()) : "");
        String eventId = eventId(jti);
        String format = subject.path("format").asText("");
        return switch (format) {
            case "complex" -> {
                JsonNode session = subject.path("session");
                String sid = session.path("id").asText(null);
                if (sid == null) {
                    throw bad("subject.session", "complex subject has no session with an id");
                }
                JsonNode user = subject.path("user");
                String sub = "iss_sub".equals(user.path("format").asText()) ? user.path("sub").asText(null) : null;
                yield new RevocationRequest("session", eventId, null, null, sid, sub, null, null, at, null, reason);
            }
            case "opaque" -> new RevocationRequest("session", eventId, null, null, text(subject, "id"), null, null, null,
                    at, null, reason);
            case "iss_sub" -> new RevocationRequest("subject", eventId, null, null, null, text(subject, "sub"), null, at,
                    at, null, reason);
            default -> throw bad("subject.format", "subject format '" + RequestJson.clip(format)
                    + "' is not supported: use complex (with session), opaque (session id) or iss_sub");
        };
    }

    private void verify(String[] parts) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            byte[] expected = mac.doFinal((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            byte[] given = Base64.getUrlDecoder().decode(parts[2]);
            if (!MessageDigest.isEqual(expected, given)) {
                throw bad("signature", "signature does not verify with the configured key");
            }
        } catch (IllegalArgumentException e) {
            throw bad("signature", "signature is not base64url");
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String text(JsonNode n, String f) {
        String v = n.path(f).asText(null);
        if (v == null || v.isBlank()) {
            throw bad("subject." + f, "subject has no '" + f + "'");
        }
        return v;
    }

    static String eventId(String jti) {
        if (EVENT_ID.matcher(jti).matches()) {
            return "set:" + jti;
        }
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(jti.getBytes(StandardCharsets.UTF_8));
            return "set:" + HexFormat.of().formatHex(h, 0, 20);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode json(String b64, String what) {
        try {
            JsonNode n = RequestJson.MAPPER.readTree(Base64.getUrlDecoder().decode(b64));
            if (n == null || !n.isObject()) {
                throw bad(what, "JWS " + what + " is not a JSON object");
            }
            return n;
        } catch (BadRequestException e) {
            throw e;
        } catch (Exception e) {
            throw bad(what, "JWS " + what + " is not base64url JSON");
        }
    }

    private static BadRequestException bad(String field, String message) {
        return new BadRequestException("INVALID_SET", field, null, message);
    }
}
