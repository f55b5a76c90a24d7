package olympus.revocation.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.proc.SimpleSecurityContext;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import olympus.revocation.config.RevocationConfiguration;
import olympus.revocation.core.RevocationRequest;

import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Verifies a CAEP {@code session-revoked} Security Event Token (RFC 8417, compact JWS) with
 * Nimbus JOSE+JWT and maps it to a revocation request, so an SSF transmitter can push into the
 * bus (RFC 8935 push delivery). HS256 with a shared secret and/or RS256/ES256 with the
 * transmitter's JWKS; refusals carry their RFC 8935 code as the BadRequestException's rejection.
 *
 * <p>Subject forms understood: {@code complex} with a {@code session} member (session revoked,
 * subject carried if {@code user} is {@code iss_sub}); {@code opaque} (its id is the session id);
 * {@code iss_sub} (every session and token of that subject issued before the event: a watermark).
 * The SET's {@code jti} becomes the event id, so a transmitter's retry is stored once.
 */
public final class CaepSet {
    public static final String SESSION_REVOKED = "https://schemas.openid.net/secevent/caep/event-type/session-revoked";
    /** HS256 keys shorter than the hash output weaken the MAC (RFC 7518 §3.2); Nimbus refuses them too. */
    static final int MIN_HMAC_BYTES = 32;
    private static final Pattern EVENT_ID = Pattern.compile("[A-Za-z0-9._:-]{1,120}");
    /** RFC 8417 §2.3; the media-type form is the same type (RFC 7515 §4.1.9). */
    private static final Set<JOSEObjectType> TYPES = Set.of(new JOSEObjectType("secevent+jwt"),
            new JOSEObjectType("application/secevent+jwt"));
    private static final Set<JWSAlgorithm> JWKS_ALGS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256);

    private final Set<JWSAlgorithm> accepted;
    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();

    /**
     * @param secret HS256 key, or null/blank for none
     * @param jwksUrl the transmitter's JWKS for RS256/ES256, or null/blank for none
     * @throws IllegalArgumentException for a configuration that cannot verify safely; thrown at
     *     start-up (RevocationBus builds this eagerly) rather than on the first SET
     */
    public CaepSet(String secret, String jwksUrl, String issuer, String audience, Duration maxAge, Duration futureSkew,
                   Duration jwksCacheTtl, Clock clock) {
        boolean hmac = secret != null && !secret.isBlank();
        boolean jwks = jwksUrl != null && !jwksUrl.isBlank();
        if (!hmac && !jwks) {
            throw new IllegalArgumentException("CAEP SET intake needs revocation.caep-hmac-secret or revocation.caep-jwks-url");
        }
        if (issuer == null || issuer.isBlank()) {
            throw new IllegalArgumentException("revocation.caep-issuer is required when CAEP SET intake is enabled: "
                    + "without it a SET from any transmitter that holds a valid key would be believed");
        }
        if (audience == null || audience.isBlank()) {
            throw new IllegalArgumentException("revocation.caep-audience is required when CAEP SET intake is enabled: "
                    + "without it a SET meant for another receiver would be believed");
        }
        byte[] key = hmac ? secret.getBytes(StandardCharsets.UTF_8) : null;
        if (hmac && key.length < MIN_HMAC_BYTES) {
            throw new IllegalArgumentException("revocation.caep-hmac-secret is " + key.length + " bytes; HS256 needs at least "
                    + MIN_HMAC_BYTES + " (RFC 7518 §3.2): configure a longer random secret");
        }
        Set<JWSAlgorithm> algs = new LinkedHashSet<>();
        JWSKeySelector<SecurityContext> hs = null;
        JWSKeySelector<SecurityContext> pk = null;
        if (hmac) {
            algs.add(JWSAlgorithm.HS256);
            hs = new JWSVerificationKeySelector<>(JWSAlgorithm.HS256,
                    new ImmutableSecret<>(key));
        }
        if (jwks) {
            algs.addAll(JWKS_ALGS);
            pk = new JWSVerificationKeySelector<>(JWKS_ALGS, jwkSource(jwksUrl, jwksCacheTtl));
        }
        this.accepted = Set.copyOf(algs);
        JWSKeySelector<SecurityContext> hsKeys = hs;
        JWSKeySelector<SecurityContext> pkKeys = pk;
        // By alg, so an HS256 SET never makes us fetch the JWKS and an RS256 one is never tried
        // against the shared secret (the classic RS/HS confusion).
        processor.setJWSKeySelector((header, ctx) -> (JWSAlgorithm.HS256.equals(header.getAlgorithm()) ? hsKeys : pkKeys)
                .selectJWSKeys(header, ctx));
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(TYPES));
        processor.setJWTClaimsSetVerifier(new SetClaimsCheck(issuer, audience, maxAge, futureSkew, clock));
    }

    /** The configured verifier, or null when SET intake is disabled (neither key configured). */
    public static CaepSet of(RevocationConfiguration c, Clock clock) {
        boolean none = (c.caepHmacSecret() == null || c.caepHmacSecret().isBlank())
                && (c.caepJwksUrl() == null || c.caepJwksUrl().isBlank());
        return none ? null : new CaepSet(c.caepHmacSecret(), c.caepJwksUrl(), c.caepIssuer(), c.caepAudience(),
                c.caepMaxAge(), c.caepFutureSkew(), c.caepJwksCacheTtl(), clock);
    }

    private static JWKSource<SecurityContext> jwkSource(String url, Duration ttl) {
        URL u;
        try {
            u = URI.create(url.strip()).toURL();
        } catch (IllegalArgumentException | java.net.MalformedURLException e) {
            throw new IllegalArgumentException("revocation.caep-jwks-url '" + url + "' is not a URL: " + e.getMessage(), e);
        }
        // Cached, and kept through an outage of the URL: a revocation signed with a key we had
        // yesterday is better applied than lost. No refresh ahead: it would start a thread of
        // Nimbus' own, and a SET arriving just after expiry can wait for one fetch.
        return JWKSourceBuilder.<SecurityContext>create(u)
                .cache(ttl.toMillis(), JWKSourceBuilder.DEFAULT_CACHE_REFRESH_TIMEOUT)
                .refreshAheadCache(false)
                .outageTolerant(true)
                .build();
    }

    /** Thrown when the transmitter's keys cannot be had right now: the SET may be good, so 503 (retry), not 400. */
    public static final class KeysUnavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        KeysUnavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public RevocationRequest parse(String compact) {
        JWTClaimsSet claims = verify(compact);
        JsonNode set = RequestJson.MAPPER.valueToTree(claims.toJSONObject());
        String jti = claims.getJWTID();
        JsonNode event = set.path("events").path(SESSION_REVOKED);
        if (!event.isObject()) {
            throw SetError.of(SetError.INVALID_REQUEST, "events", "no " + SESSION_REVOKED + " event in the SET (events: "
                    + RequestJson.clip(String.join(", ", (Iterable<String>) set.path("events")::fieldNames)) + ")");
        }
        Instant at = event.has("event_timestamp") ? eventTimestamp(event.get("event_timestamp"))
                : claims.getIssueTime().toInstant();
        JsonNode subject = event.has("subject") ? event.get("subject") : set.path("sub_id");
        String reason = "CAEP session-revoked from " + RequestJson.clip(claims.getIssuer())
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

    /** Signature, header and claims; the claims only once the signature holds. */
    private JWTClaimsSet verify(String compact) {
        if (compact == null || compact.isBlank()) {
            throw bad(null, "body is empty: expected a compact JWS (application/secevent+jwt)");
        }
        JWT jwt;
        try {
            jwt = JWTParser.parse(compact.strip());
        } catch (ParseException e) {
            throw bad(null, "not a compact JWS: " + RequestJson.clip(e.getMessage()));
        }
        if (jwt instanceof PlainJWT) {
            throw bad("alg", "alg none is refused: an unsigned SET proves nothing");
        }
        if (!(jwt instanceof SignedJWT signed)) {
            throw bad("alg", "encrypted SETs are not accepted: send a compact JWS");
        }
        JWSHeader header = signed.getHeader();
        if (!accepted.contains(header.getAlgorithm())) {
            throw bad("alg", "alg " + RequestJson.clip(header.getAlgorithm().getName()) + " is not accepted (accepted: "
                    + accepted.stream().map(JWSAlgorithm::getName).sorted().toList() + ")");
        }
        // Nimbus' verifiers would refuse these too, but as a bad signature; it is a header we
        // do not understand, which RFC 7515 §4.1.11 says to refuse as such.
        if (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty()) {
            throw bad("crit", "crit names header parameters this receiver does not understand: "
                    + RequestJson.clip(List.copyOf(header.getCriticalParams()).toString()));
        }
        if (header.getType() == null || !TYPES.contains(header.getType())) {
            throw bad("typ", "typ must be secevent+jwt (RFC 8417), got '"
                    + RequestJson.clip(String.valueOf(header.getType())) + "'");
        }
        try {
            return processor.process(signed, new SimpleSecurityContext());
        } catch (KeySourceException e) {
            throw new KeysUnavailable("the transmitter's JWKS cannot be fetched: " + e.getMessage(), e);
        } catch (BadJWTException e) {
            throw bad(null, "SET payload is not a valid JWT claims set: " + RequestJson.clip(e.getMessage()));
        } catch (BadJOSEException | JOSEException e) {
            // Invalid signature, or no key of ours for this alg/kid.
            throw SetError.of(SetError.INVALID_KEY, "signature", "signature does not verify with the configured key"
                    + (header.getKeyID() == null ? "" : "s (kid '" + RequestJson.clip(header.getKeyID()) + "')"));
        }
    }

    /** A NumericDate (RFC 7519 §2); anything else is refused rather than read as 1970. */
    static Instant eventTimestamp(JsonNode n) {
        if (!n.isNumber() || !n.canConvertToLong() || n.asLong() < 0) {
            throw bad("event_timestamp", "event_timestamp must be seconds since the epoch, got "
                    + RequestJson.clip(n.toString()));
        }
        return Instant.ofEpochSecond(n.asLong());
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

    private static BadRequestException bad(String field, String message) {
        return SetError.of(SetError.INVALID_REQUEST, field, message);
    }
}
