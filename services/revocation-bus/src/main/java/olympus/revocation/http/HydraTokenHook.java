package olympus.revocation.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import olympus.revocation.core.CheckQuery;
import olympus.revocation.core.Verdict;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Ory Hydra's {@code oauth2.token_hook}: what a hook request asks about, and the answer. Pure
 * (no I/O), so it is table-tested ({@code HydraTokenHookTest}); the controller runs the query
 * through the service's own check ({@code RevocationService.check}, the same code path as
 * {@code GET /v1/revocations/check}).
 *
 * <p>The request body, as Hydra sends it (taken from Hydra's source, {@code oauth2/token_hook.go}:
 * {@code TokenHookRequest{Session *Session `json:"session"`; Request Request `json:"request"`}},
 * {@code Request{client_id, client, granted_scopes, granted_audience, grant_types, payload}};
 * {@code oauth2/session.go}: {@code Session{id_token (fosite openid.DefaultSession: id_token_claims,
 * headers, expires_at, username, subject), extra, kid, client_id, consent_challenge, ...}}; and the
 * example payload of Ory's "Customizing claims with OAuth2 webhooks" page,
 * https://www.ory.sh/docs/hydra/guides/claims-at-refresh, source ory/docs
 * {@code docs/hydra/guides/oauth2-webhooks.mdx}):
 *
 * <pre>
 * {"session": {"id_token": {"id_token_claims": {"jti": "", "iss": "...", "sub": "subject", "aud": ["app-client"],
 *                                               "iat": "...", "rat": "...", "auth_time": "...", "ext": {"sid": "..."}, ...},
 *                           "headers": {"extra": {}}, "username": "", "subject": "foo"},
 *              "extra": {}, "client_id": "app-client", "consent_challenge": "", ...},
 *  "request": {"client_id": "app-client", "granted_scopes": ["offline", "openid"], "granted_audience": [],
 *              "grant_types": ["refresh_token"], "payload": {"assertion": ["eyJhbGciOiJIUzI..."]}}}
 * </pre>
 *
 * <p>What is checked, in one denylist read:
 * <ul>
 * <li><b>subject</b>: {@code session.id_token.subject} (the real subject; {@code id_token_claims.sub}
 *     may be a pairwise-obfuscated one, so it is used only when the former is absent);</li>
 * <li><b>client</b>: {@code request.client_id} (else {@code session.client_id});</li>
 * <li><b>session</b>: {@code session.id_token.id_token_claims.ext.sid}, the login session id Hydra puts
 *     in every ID token ({@code claims.Add("sid", flow.SessionID)} in {@code oauth2/handler.go});</li>
 * <li><b>token</b>: a jwt-bearer grant's assertion ({@code request.payload.assertion}: its {@code jti}
 *     claim, read without verifying, Hydra verifies it, and its SHA-256 as {@code tokenHash}). For a
 *     refresh, Hydra strips the refresh token from {@code payload} ({@code Sanitize([]string{"assertion"})}),
 *     so a refresh is checked by its subject, client and session;</li>
 * <li><b>issued at</b> (subject and client revocations are "issued before T" watermarks): the
 *     earliest of {@code id_token_claims.auth_time}, {@code rat} and {@code iat}, i.e. when the grant
 *     began, which a refresh keeps. Hydra marshals them as RFC 3339 strings (Go {@code time.Time});
 *     epoch seconds are accepted too; Go's zero time ({@code 0001-01-01T00:00:00Z}) is absent.
 *     Without any: a grant that starts now ({@code client_credentials}, jwt-bearer) is checked as
 *     issued now; any other (refresh, code) as issued at the epoch, so any watermark of its subject
 *     or client denies it (fail closed: when the grant began is unknown).</li>
 * </ul>
 *
 * <p>The answers Hydra expects (same doc page, "Responding to the webhook", and
 * {@code executeHookAndUpdateSession} in {@code oauth2/token_hook.go}): <b>204</b> accepts the token
 * exchange without touching the session (a 200 would be decoded as a session to overwrite the
 * token's extra claims with, and an empty 200 body fails to decode in Hydra 2.x); <b>403</b> denies it:
 * Hydra answers the client {@code access_denied} and, for a refresh, the refresh token stays unused;
 * any other status aborts the exchange with {@code server_error}. So a revoked credential gets 403,
 * and an UNKNOWN verdict (Redis unreachable or the denylist being rebuilt) gets 503: the token is
 * still refused (fail closed), but as a temporary error rather than "your grant is revoked", so the
 * client is not sent to log in again over our outage. Hydra's hook client retries a 503 twice
 * ({@code HTTPClient} in {@code driver/registry_sql.go}: {@code ResilientClientWithMaxRetry(2)},
 * go-retryablehttp's default policy), honouring {@code Retry-After}, which is set to 1 s.
 */
public final class HydraTokenHook {
    static final String JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    /** Grants whose token is minted now from nothing issued earlier. */
    private static final Set<String> FRESH_GRANTS = Set.of("client_credentials", JWT_BEARER);
    /** Go's zero time.Time, which Hydra sends for an instant it never set. */
    private static final Instant GO_ZERO = Instant.parse("0001-01-01T00:00:00Z");
    static final int MAX_BODY = 1 << 20;

    private HydraTokenHook() {}

    /**
     * What one hook request asks about.
     *
     * @param issuedAtAssumed why {@code query.iat()} is not from the request, or null when it is
     */
    public record Ask(CheckQuery query, List<String> grantTypes, String issuedAtAssumed) {}

    /** The answer: the HTTP status for Hydra and a JSON body for operators (Hydra only logs the status). */
    public record Answer(int status, String decision, String body) {}

    /** @throws BadRequestException naming the field (a JSON path) when the body is not a token hook request */
    public static Ask parse(byte[] body, Instant now) {
        if (body == null || body.length == 0) {
            throw new BadRequestException("MALFORMED_JSON", null, null, "request body is empty");
        }
        JsonNode root;
        try {
            root = RequestJson.MAPPER.readTree(body);
        } catch (IOException e) {
            String detail = e instanceof JsonProcessingException j ? String.valueOf(j.getOriginalMessage())
                    : String.valueOf(e.getMessage());
            throw new BadRequestException("MALFORMED_JSON", null, null, "request body is not valid JSON: "
                    + (detail.length() > 160 ? detail.substring(0, 160) + "..." : detail));
        }
        if (root == null || !root.isObject()) {
            throw new BadRequestException("MALFORMED_JSON", null, null,
                    "a Hydra token hook request is a JSON object with 'session' and 'request'");
        }
        // Unknown fields are accepted: Hydra adds fields between versions (request.client, session
        // mirror_top_level_claims, ...) and none of them can make a revoked credential pass.
        JsonNode request = object(root, "request", true);
        JsonNode session = object(root, "session", false);
        JsonNode idToken = session == null ? null : object(session, "session.id_token", "id_token", false);
        JsonNode claims = idToken == null ? null : object(idToken, "session.id_token.id_token_claims", "id_token_claims", false);
        JsonNode ext = claims == null ? null : object(claims, "session.id_token.id_token_claims.ext", "ext", false);

        String clientId = text(request, "request.client_id", "client_id");
        if (clientId == null && session != null) {
            clientId = text(session, "session.client_id", "client_id");
        }
        String subject = idToken == null ? null : text(idToken, "session.id_token.subject", "subject");
        if (subject == null && claims != null) {
            subject = text(claims, "session.id_token.id_token_claims.sub", "sub");
        }
        String sessionId = ext == null ? null : text(ext, "session.id_token.id_token_claims.ext.sid", "sid");
        List<String> grantTypes = strings(request, "request.grant_types", "grant_types");

        String assertion = null;
        JsonNode payload = object(request, "request.payload", "payload", false);
        if (payload != null) {
            List<String> a = strings(payload, "request.payload.assertion", "assertion");
            assertion = a.isEmpty() || a.get(0).isEmpty() ? null : a.get(0);
        }
        String jti = assertion == null ? null : assertionJti(assertion);
        String tokenHash = assertion == null ? null : sha256(assertion);

        Instant iat = null;
        if (claims != null) {
            for (String f : new String[] {"auth_time", "rat", "iat"}) {
                Instant t = instant(claims, "session.id_token.id_token_claims." + f, f);
                if (t != null && (iat == null || t.isBefore(iat))) {
                    iat = t;
                }
            }
        }
        String assumed = null;
        if (iat == null && (subject != null || clientId != null)) {
            if (!grantTypes.isEmpty() && FRESH_GRANTS.containsAll(grantTypes)) {
                iat = now;
                assumed = "no auth_time/rat/iat in the session: a " + String.join(",", grantTypes)
                        + " grant starts now, checked as issued at " + now;
            } else {
                iat = Instant.EPOCH;
                assumed = "no auth_time/rat/iat in the session: when the grant began is unknown, checked as "
                        + "issued at the epoch (any subject or client revocation denies it)";
            }
        }
        try {
            return new Ask(new CheckQuery(jti, tokenHash, sessionId, subject, clientId, iat), grantTypes, assumed);
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            String field = m.substring(0, Math.max(0, m.indexOf(':')));
            String path = switch (field) {
                case "jti" -> "request.payload.assertion";
                case "tokenHash" -> "request.payload.assertion";
                case "sessionId" -> "session.id_token.id_token_claims.ext.sid";
                case "subject" -> "session.id_token.subject";
                case "clientId" -> "request.client_id";
                case "query" -> "request.client_id";
                default -> field;
            };
            throw new BadRequestException(field.equals("query") ? "MISSING_FIELD" : "INVALID_FIELD", path, null,
                    path + ": " + m.substring(m.indexOf(':') + 1).strip());
        }
    }

    /** The answer to a verdict of the revocation check. */
    public static Answer answer(Ask ask, Verdict v) {
        return switch (v.status()) {
            case NOT_REVOKED -> new Answer(204, "allow", null);
            case REVOKED -> new Answer(403, "deny", json("access_denied", v, ask));
            case UNKNOWN -> new Answer(503, "deny", json("temporarily_unavailable", v, ask));
        };
    }

    private static String json(String error, Verdict v, Ask ask) {
        StringBuilder b = new StringBuilder(256).append("{\"error\":\"").append(error).append('"');
        field(b, "error_description", v.status() == Verdict.Status.UNKNOWN
                ? "revocation state unknown, token refused (fail closed): " + stripSuffix(v.reason(), ": fail closed")
                : v.reason());
        field(b, "status", v.status().name());
        field(b, "matched", v.matched());
        field(b, "eventId", v.eventId());
        field(b, "detail", ask == null ? null : ask.issuedAtAssumed());
        return b.append('}').toString();
    }

    private static String stripSuffix(String s, String suffix) {
        return s != null && s.endsWith(suffix) ? s.substring(0, s.length() - suffix.length()) : s;
    }

    private static void field(StringBuilder b, String name, String value) {
        if (value != null) {
            b.append(",\"").append(name).append("\":\"");
            com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(value, b);
            b.append('"');
        }
    }

    private static JsonNode object(JsonNode parent, String name, boolean required) {
        return object(parent, name, name, required);
    }

    private static JsonNode object(JsonNode parent, String path, String name, boolean required) {
        JsonNode v = parent.get(name);
        if (v == null || v.isNull()) {
            if (required) {
                throw new BadRequestException("MISSING_FIELD", path, null, "field '" + path
                        + "' is required (a Hydra token hook request has 'session' and 'request')");
            }
            return null;
        }
        if (!v.isObject()) {
            throw new BadRequestException("INVALID_FIELD", path, null, "field '" + path + "' must be an object");
        }
        return v;
    }

    /** A string; empty is absent (Go marshals unset strings as ""). */
    private static String text(JsonNode parent, String path, String name) {
        JsonNode v = parent.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new BadRequestException("INVALID_FIELD", path, null, "field '" + path + "' must be a string");
        }
        return v.textValue().isEmpty() ? null : v.textValue();
    }

    private static List<String> strings(JsonNode parent, String path, String name) {
        JsonNode v = parent.get(name);
        List<String> out = new ArrayList<>();
        if (v == null || v.isNull()) {
            return out;
        }
        if (!v.isArray()) {
            throw new BadRequestException("INVALID_FIELD", path, null, "field '" + path + "' must be an array of strings");
        }
        for (JsonNode e : v) {
            if (!e.isTextual()) {
                throw new BadRequestException("INVALID_FIELD", path, null, "field '" + path + "' must be an array of strings");
            }
            out.add(e.textValue());
        }
        return out;
    }

    /** RFC 3339 (what Go's time.Time marshals to) or epoch seconds; Go's zero time is absent. */
    static Instant instant(JsonNode parent, String path, String name) {
        JsonNode v = parent.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        Instant t;
        if (v.isNumber()) {
            long s = v.asLong();
            if (s < 0 || s > 32503680000L) {
                throw new BadRequestException("INVALID_FIELD", path, null, "field '" + path + "' is out of range: " + s);
            }
            t = Instant.ofEpochSecond(s);
            return s == 0 ? null : t;
        }
        if (!v.isTextual()) {
            throw new BadRequestException("INVALID_FIELD", path, null, "field '" + path
                    + "' must be an RFC 3339 string or epoch seconds");
        }
        try {
            t = java.time.OffsetDateTime.parse(v.textValue()).toInstant();
        } catch (DateTimeParseException e) {
            throw new BadRequestException("INVALID_FIELD", path, null, "field '" + path + "' is not an RFC 3339 instant: '"
                    + RequestJson.clip(v.textValue()) + "'");
        }
        return t.equals(GO_ZERO) || t.isBefore(Instant.EPOCH.plusSeconds(1)) ? null : t;
    }

    /** The jti claim of a compact JWT, read without verifying it (Hydra verifies the assertion); null if none. */
    static String assertionJti(String jwt) {
        int a = jwt.indexOf('.');
        int b = a < 0 ? -1 : jwt.indexOf('.', a + 1);
        if (b < 0) {
            return null;
        }
        try {
            JsonNode claims = RequestJson.MAPPER.readTree(Base64.getUrlDecoder().decode(jwt.substring(a + 1, b)));
            JsonNode jti = claims == null ? null : claims.get("jti");
            return jti != null && jti.isTextual() && !jti.textValue().isBlank() ? jti.textValue() : null;
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
