package olympus.revocation.http;

import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.JWTClaimsSetVerifier;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * What a SET's claims must say before its events are believed (RFC 8417 §2.2, RFC 8935 §2.4):
 * our issuer, our audience, a fresh {@code iat}, a {@code jti}, an {@code events} object. Run by
 * Nimbus only after the signature verified, so a forger learns nothing from which check failed.
 * Throws BadRequestException (unchecked) so the RFC 8935 code reaches the reply unchanged.
 */
final class SetClaimsCheck implements JWTClaimsSetVerifier<SecurityContext> {
    private final String issuer;
    private final String audience;
    private final Duration maxAge;
    private final Duration futureSkew;
    private final Clock clock;

    SetClaimsCheck(String issuer, String audience, Duration maxAge, Duration futureSkew, Clock clock) {
        this.issuer = issuer;
        this.audience = audience;
        this.maxAge = maxAge;
        this.futureSkew = futureSkew;
        this.clock = clock;
    }

    @Override
    public void verify(JWTClaimsSet claims, SecurityContext context) {
        if (!issuer.equals(claims.getIssuer())) {
            throw SetError.of(SetError.INVALID_ISSUER, "iss", "iss '" + RequestJson.clip(String.valueOf(claims.getIssuer()))
                    + "' is not the configured transmitter");
        }
        if (claims.getAudience() == null || !claims.getAudience().contains(audience)) {
            throw SetError.of(SetError.INVALID_AUDIENCE, "aud", "aud does not name this receiver");
        }
        if (claims.getIssueTime() == null) {
            throw SetError.of(SetError.INVALID_REQUEST, "iat", "iat is missing");
        }
        Instant now = clock.instant();
        Instant iat = claims.getIssueTime().toInstant();
        if (iat.isBefore(now.minus(maxAge))) {
            throw SetError.of(SetError.INVALID_REQUEST, "iat", "iat " + iat + " is more than " + maxAge + " old");
        }
        if (iat.isAfter(now.plus(futureSkew))) {
            throw SetError.of(SetError.INVALID_REQUEST, "iat", "iat " + iat + " is more than " + futureSkew + " in the future");
        }
        // RFC 8417 discourages exp in SETs, but one that is there and past is the transmitter
        // saying the SET no longer holds.
        if (claims.getExpirationTime() != null && claims.getExpirationTime().toInstant().isBefore(now.minus(futureSkew))) {
            throw SetError.of(SetError.INVALID_REQUEST, "exp", "SET expired at " + claims.getExpirationTime().toInstant());
        }
        String jti = claims.getJWTID();
        if (jti == null || jti.isBlank()) {
            throw SetError.of(SetError.INVALID_REQUEST, "jti", "jti is missing (RFC 8417 requires it)");
        }
        if (!(claims.getClaim("events") instanceof Map<?, ?> events) || events.isEmpty()) {
            throw SetError.of(SetError.INVALID_REQUEST, "events", "events is missing or not a non-empty object");
        }
    }
}
