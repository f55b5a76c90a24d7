package olympus.revocation.http;

import java.util.Set;

/** The RFC 8935 §2.4 error codes a SET recipient answers a push with (HTTP 400). */
final class SetError {
    static final String INVALID_REQUEST = "invalid_request";
    /** Signature or key problems: the SET is not shown to come from the transmitter. */
    static final String INVALID_KEY = "invalid_key";
    static final String INVALID_ISSUER = "invalid_issuer";
    static final String INVALID_AUDIENCE = "invalid_audience";
    private static final Set<String> CODES = Set.of(INVALID_REQUEST, INVALID_KEY, INVALID_ISSUER, INVALID_AUDIENCE);

    private SetError() {}

    static BadRequestException of(String code, String field, String description) {
        return new BadRequestException(code, field, null, description);
    }

    /**
     * The code for a refusal: CaepSet's carry theirs; anything else (the service's own checks
     * of the mapped revocation) is a malformed request as far as the transmitter can tell.
     */
    static String code(BadRequestException e) {
        return CODES.contains(e.rejection()) ? e.rejection() : INVALID_REQUEST;
    }
}
