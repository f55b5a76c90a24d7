package olympus.revocation.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.StringJoiner;

/**
 * Embeddable client of the region's revocation-bus check API.
 *
 * <pre>{@code
 * RevocationClient bus = new RevocationClient(URI.create("http://revocation-bus.eu-west:8080"), null, Duration.ofMillis(200));
 * RevocationClient.Result r = bus.check(RevocationClient.Query.token(jti).session(sid).subject(sub).client(clientId).issuedAt(iat));
 * if (r.revoked()) { return deny(r.reason()); }   // true for REVOKED and for UNKNOWN: fail closed
 * }</pre>
 *
 * <p>Guarantee: {@code revoked() == false} only when the region's denylist positively answered
 * NOT_REVOKED, i.e. it was reachable and complete. Anything else (service or Redis down, denylist
 * being rebuilt, timeout, malformed reply) reads as revoked, with the cause in {@code reason()}.
 */
public final class RevocationClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final URI base;
    private final String token;
    private final Duration timeout;

    public RevocationClient(URI base, String bearerToken, Duration timeout) {
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
        this.base = base;
        this.token = bearerToken;
        this.timeout = timeout;
    }

    /** What the caller knows about a credential; set everything you have, one round trip covers all kinds. */
    public record Query(String jti, String tokenHash, String sessionId, String subject, String clientId, Instant iat) {
        public static Query token(String jti) {
            return new Query(jti, null, null, null, null, null);
        }

        public static Query tokenHash(String sha256Hex) {
            return new Query(null, sha256Hex, null, null, null, null);
        }

        public static Query sessionOnly(String sessionId) {
            return new Query(null, null, sessionId, null, null, null);
        }

        public Query session(String sid) {
            return new Query(jti, tokenHash, sid, subject, clientId, iat);
        }

        public Query subject(String sub) {
            return new Query(jti, tokenHash, sessionId, sub, clientId, iat);
        }

        public Query client(String cid) {
            return new Query(jti, tokenHash, sessionId, subject, cid, iat);
        }

        public Query issuedAt(Instant at) {
            return new Query(jti, tokenHash, sessionId, subject, clientId, at);
        }

        String queryString() {
            StringJoiner j = new StringJoiner("&");
            add(j, "jti", jti);
            add(j, "tokenHash", tokenHash);
            add(j, "sessionId", sessionId);
            add(j, "subject", subject);
            add(j, "clientId", clientId);
            add(j, "iat", iat == null ? null : Long.toString(iat.getEpochSecond()));
            return j.toString();
        }

        private static void add(StringJoiner j, String k, String v) {
            if (v != null) {
                j.add(k + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8));
            }
        }
    }

    /** @param status REVOKED, NOT_REVOKED or UNKNOWN */
    public record Result(String status, boolean revoked, String reason) {}

    public Result check(Query q) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve("/v1/revocations/check?" + q.queryString()))
                .timeout(timeout).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        try {
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() == 400) {
                throw new IllegalArgumentException("check refused: " + new String(r.body(), StandardCharsets.UTF_8));
            }
            JsonNode n = JSON.readTree(r.body());
            String status = n.path("status").asText("UNKNOWN");
            boolean notRevoked = r.statusCode() == 200 && "NOT_REVOKED".equals(status);
            return new Result(status, !notRevoked, n.path("reason").asText("HTTP " + r.statusCode()));
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result("UNKNOWN", true, "interrupted: fail closed");
        } catch (Exception e) {
            return new Result("UNKNOWN", true, "revocation-bus unreachable (" + e + "): fail closed");
        }
    }
}
