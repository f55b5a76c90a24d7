package olympus.revocation.http;

import io.micronaut.core.annotation.Nullable;
import io.swagger.v3.oas.annotations.media.Schema;

import java.util.List;
import java.util.Map;

/**
 * Shapes for the OpenAPI file only: bodies the controllers read or write by hand (strict parsers
 * and direct JSON writers), described here so {@code docs/api/revocation-bus.yml} shows them. The
 * parsers ({@link RequestJson}, {@link HydraTokenHook}) and writers ({@link CheckJson},
 * {@code HydraTokenHook.answer}) are what the service runs; keep these in step with them.
 */
final class ApiDocs {
    private ApiDocs() {}

    @Schema(description = "One revocation. Unknown fields are refused. Instants are ISO-8601 strings or epoch seconds. "
            + "The body is this object, an array of them, or {\"revocations\": [...]} (at most revocation.max-batch-events)")
    record Revocation(
            @Schema(description = "token, session, subject or client") String kind,
            @Nullable @Schema(description = "idempotency key [A-Za-z0-9._:-]{1,128}; generated if absent") String eventId,
            @Nullable @Schema(description = "kind token: the token's jti") String jti,
            @Nullable @Schema(description = "kind token: lower-case hex SHA-256 of an opaque token") String tokenHash,
            @Nullable @Schema(description = "kind session") String sessionId,
            @Nullable @Schema(description = "kind subject (or with a session)") String subject,
            @Nullable @Schema(description = "kind client") String clientId,
            @Nullable @Schema(description = "subject, client: revoke what was issued before this; default revokedAt") String issuedBefore,
            @Nullable @Schema(description = "default now") String revokedAt,
            @Nullable @Schema(description = "the latest exp the revocation must outlive; at most 31 days from now") String keepUntil,
            @Nullable @Schema(description = "shown by checks and in logs") String reason) {}

    @Schema(description = "The answer to a denied Hydra token hook (403 revoked, 503 state unknown: fail closed); Hydra only logs it")
    record HydraDenial(
            @Schema(description = "access_denied (403) or temporarily_unavailable (503)") String error,
            @Nullable String error_description,
            @Schema(description = "REVOKED or UNKNOWN") String status,
            @Nullable @Schema(description = "what matched: jti, tokenHash, session, subject or client") String matched,
            @Nullable String eventId,
            @Nullable @Schema(description = "why the issued-at time checked was assumed, when it was") String detail) {}

    @Schema(description = "Ory Hydra's oauth2.token_hook request (oauth2/token_hook.go TokenHookRequest); only the fields read are listed")
    record HydraTokenHookRequest(
            @Schema(description = "session.id_token.subject, .id_token.id_token_claims (sub, ext.sid, auth_time, rat, iat), session.client_id")
            Map<String, Object> session,
            @Schema(description = "client_id, grant_types, payload.assertion (jwt-bearer)") HydraRequest request) {}

    record HydraRequest(@Nullable String client_id, @Nullable List<String> granted_scopes, @Nullable List<String> granted_audience,
                        @Nullable List<String> grant_types, @Nullable Map<String, List<String>> payload) {}
}
