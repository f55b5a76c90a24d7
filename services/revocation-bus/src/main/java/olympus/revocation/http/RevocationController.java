package olympus.revocation.http;

import olympus.auth.BearerTokens;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpParameters;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.Post;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import olympus.revocation.RevocationBus;
import olympus.revocation.RevocationService;
import olympus.revocation.api.Replies;
import olympus.revocation.core.CheckQuery;
import olympus.revocation.core.RevocationRequest;
import olympus.revocation.core.Verdict;
import olympus.wire.WireEvent;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * HTTP API (see README for the full contract).
 *
 * <ul>
 * <li>{@code POST /v1/revocations}: one revocation, an array, or {@code {"revocations":[...]}}.
 *     200 when every event is stored in this region's origin stream (durable before the reply),
 *     400 naming the field and batch index (nothing published), 401 without a valid bearer token,
 *     503 listing what was not confirmed (retry those with the same eventId).</li>
 * <li>{@code POST /v1/revocations/caep}: a CAEP session-revoked SET (RFC 8417), HS256 or
 *     RS256/ES256 from the transmitter's JWKS; 202, or 400 {@code {"err":...,"description":...}}
 *     with an RFC 8935 code (invalid_request, invalid_key, invalid_issuer, invalid_audience).</li>
 * <li>{@code GET /v1/revocations/check?jti=&tokenHash=&sessionId=&subject=&clientId=&iat=}:
 *     200 REVOKED / NOT_REVOKED; 503 UNKNOWN when the denylist cannot vouch for a negative answer
 *     (Redis unreachable, or emptied and being rebuilt). UNKNOWN has {@code revoked: true}:
 *     every kind fails closed.</li>
 * </ul>
 */
@Controller("/v1/revocations")
@Tag(name = "revocations")
public final class RevocationController {
    private final RevocationService service;
    private final RequestJson parser;
    private final BearerTokens ingestTokens;
    private final BearerTokens checkTokens;
    /** SET transmitters' tokens: good for the SET endpoint only. */
    private final BearerTokens caepTokens;
    private final CaepSet caep;

    public RevocationController(RevocationBus bus) {
        this.service = bus.service();
        this.parser = new RequestJson(bus.config().maxBatchEvents());
        this.ingestTokens = new BearerTokens(bus.config().ingestTokens(), false);
        this.checkTokens = new BearerTokens(bus.config().checkTokens(), true);
        this.caepTokens = new BearerTokens(bus.config().caepTokens(), false);
        this.caep = bus.caep();
    }

    @Post(consumes = MediaType.APPLICATION_JSON, produces = MediaType.APPLICATION_JSON)
    @Operation(summary = "Revoke: one revocation, an array, or {\"revocations\": [...]}",
            description = "Durable before the reply: 200 once every event is stored in this region's origin stream. "
                    + "Authorization: Bearer <one of revocation.ingest-tokens>.",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = @Content(
                    mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiDocs.Revocation.class))),
            responses = {
                    @ApiResponse(responseCode = "200", description = "every event stored (duplicate true for an eventId already stored)",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Replies.IngestReply.class))),
                    @ApiResponse(responseCode = "400", description = "a field refused (field, index in the batch, rejection); nothing published",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Replies.ErrorReply.class))),
                    @ApiResponse(responseCode = "401", description = "no valid bearer token",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Replies.ErrorReply.class))),
                    @ApiResponse(responseCode = "409", description = "an eventId already used for a different revocation",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Replies.ErrorReply.class))),
                    @ApiResponse(responseCode = "413", description = "request body over 1 MiB"),
                    @ApiResponse(responseCode = "503", description = "some events not confirmed stored (failed): retry those with the same eventId",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Replies.IngestReply.class)))})
    public CompletableFuture<HttpResponse<?>> ingest(@Header(HttpHeaders.AUTHORIZATION) @Nullable String auth,
                                                     @Body @Nullable String body) {
        if (!ingestTokens.allows(auth)) {
            return CompletableFuture.completedFuture(unauthorized());
        }
        List<WireEvent> events;
        try {
            List<RevocationRequest> requests = parser.parse(body == null ? null : body.getBytes(StandardCharsets.UTF_8));
            events = service.validate(requests);
        } catch (BadRequestException e) {
            return CompletableFuture.completedFuture(HttpResponse.badRequest(
                    new Replies.ErrorReply(e.getMessage(), e.field(), e.index(), e.rejection())));
        }
        List<WireEvent> valid = events;
        return service.reusedIds(valid).toCompletableFuture().thenCompose(reused -> reused != null
                ? CompletableFuture.completedFuture(HttpResponse.status(HttpStatus.CONFLICT).body(
                        new Replies.ErrorReply(reused.getMessage(), reused.field(), reused.index(), reused.rejection())))
                : service.publish(valid).thenApply(r -> r.failed().isEmpty()
                        ? HttpResponse.ok(r) : HttpResponse.status(HttpStatus.SERVICE_UNAVAILABLE).body(r)));
    }

    @Post(uri = "/caep", consumes = {"application/secevent+jwt", "application/jwt", MediaType.TEXT_PLAIN},
            produces = MediaType.APPLICATION_JSON)
    @Operation(summary = "A CAEP session-revoked Security Event Token (RFC 8417, pushed as RFC 8935)",
            description = "A compact JWS, HS256 with revocation.caep-hmac-secret or RS256/ES256 from revocation.caep-jwks-url. "
                    + "Authorization: Bearer <one of revocation.ingest-tokens>.",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = @Content(
                    mediaType = "application/secevent+jwt", schema = @Schema(implementation = String.class))),
            responses = {
                    @ApiResponse(responseCode = "202", description = "stored"),
                    @ApiResponse(responseCode = "400", description = "refused, with an RFC 8935 code: invalid_request, invalid_key, invalid_issuer, invalid_audience",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = SetReply.class))),
                    @ApiResponse(responseCode = "401", description = "no valid bearer token (err authentication_failed)",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = SetReply.class))),
                    @ApiResponse(responseCode = "501", description = "SET intake disabled: no key configured",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = SetReply.class))),
                    @ApiResponse(responseCode = "503", description = "keys unavailable (SetReply, err temporarily_unavailable) or events not confirmed stored (IngestReply): the transmitter retries",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = SetReply.class)))})
    public CompletableFuture<HttpResponse<?>> caep(@Header(HttpHeaders.AUTHORIZATION) @Nullable String auth,
                                                   @Body @Nullable String body) {
        if (!caepTokens.allows(auth) && !ingestTokens.allows(auth)) {
            return CompletableFuture.completedFuture(HttpResponse.unauthorized().body(
                    new SetReply("authentication_failed", "a valid bearer token is required")));
        }
        if (caep == null) {
            return CompletableFuture.completedFuture(HttpResponse.status(HttpStatus.NOT_IMPLEMENTED).body(
                    new SetReply(SetError.INVALID_REQUEST,
                            "SET intake is disabled: no revocation.caep-hmac-secret or caep-jwks-url configured")));
        }
        List<WireEvent> events;
        try {
            events = service.validate(List.of(caep.parse(body)));
        } catch (BadRequestException e) {
            return CompletableFuture.completedFuture(HttpResponse.badRequest(new SetReply(SetError.code(e),
                    (e.field() == null ? "" : e.field() + ": ") + e.getMessage())));
        } catch (CaepSet.KeysUnavailable e) {
            // Not the transmitter's fault and the SET may be good: 5xx, which it retries.
            return CompletableFuture.completedFuture(HttpResponse.status(HttpStatus.SERVICE_UNAVAILABLE).body(
                    new SetReply("temporarily_unavailable", e.getMessage())));
        }
        return service.publish(events).thenApply(r -> r.failed().isEmpty()
                ? HttpResponse.accepted() : HttpResponse.status(HttpStatus.SERVICE_UNAVAILABLE).body(r));
    }

    @io.micronaut.serde.annotation.Serdeable
    @Schema(description = "RFC 8935 error answer")
    public record SetReply(String err, String description) {}

    @Get(uri = "/check", produces = MediaType.APPLICATION_JSON)
    @Operation(summary = "Is this credential revoked? Give everything known about it; fails closed",
            description = "One denylist read answers for all kinds. Bearer token only when revocation.check-tokens is set.",
            parameters = {
                    @Parameter(name = "jti", in = ParameterIn.QUERY, schema = @Schema(implementation = String.class)),
                    @Parameter(name = "tokenHash", in = ParameterIn.QUERY, description = "lower-case hex SHA-256 of an opaque token", schema = @Schema(implementation = String.class)),
                    @Parameter(name = "sessionId", in = ParameterIn.QUERY, schema = @Schema(implementation = String.class)),
                    @Parameter(name = "subject", in = ParameterIn.QUERY, schema = @Schema(implementation = String.class)),
                    @Parameter(name = "clientId", in = ParameterIn.QUERY, schema = @Schema(implementation = String.class)),
                    @Parameter(name = "iat", in = ParameterIn.QUERY, description = "the credential's issued-at, epoch seconds or ISO-8601; required with subject or clientId", schema = @Schema(implementation = String.class))},
            responses = {
                    @ApiResponse(responseCode = "200", description = "REVOKED (revoked true) or NOT_REVOKED (revoked false)",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Replies.CheckReply.class))),
                    @ApiResponse(responseCode = "400", description = "a parameter refused (field names it)",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Replies.ErrorReply.class))),
                    @ApiResponse(responseCode = "401", description = "no valid bearer token (when check-tokens are configured)",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Replies.ErrorReply.class))),
                    @ApiResponse(responseCode = "503", description = "UNKNOWN, revoked true: the denylist cannot vouch for a negative answer (Redis unreachable or being rebuilt). Treat as revoked",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Replies.CheckReply.class)))})
    public CompletionStage<HttpResponse<byte[]>> check(HttpRequest<?> request) {
        // The hot path: parameters from the request's (lazily decoded) query map instead of
        // per-argument binding, and the reply written as JSON bytes (CheckJson): binding and
        // serde were most of this endpoint's CPU.
        if (!checkTokens.allows(request.getHeaders().get(HttpHeaders.AUTHORIZATION))) {
            return CompletableFuture.completedFuture(json(HttpStatus.UNAUTHORIZED, CheckJson.UNAUTHORIZED));
        }
        HttpParameters p = request.getParameters();
        CheckQuery q;
        try {
            q = new CheckQuery(p.get("jti"), p.get("tokenHash"), p.get("sessionId"), p.get("subject"), p.get("clientId"),
                    iat(p.get("iat")));
        } catch (IllegalArgumentException e) {
            String field = e.getMessage().substring(0, Math.max(0, e.getMessage().indexOf(':')));
            return CompletableFuture.completedFuture(json(HttpStatus.BAD_REQUEST, CheckJson.error(e.getMessage(), field)));
        }
        return service.check(q).thenApply(v -> json(v.status() == Verdict.Status.UNKNOWN ? HttpStatus.SERVICE_UNAVAILABLE
                : HttpStatus.OK, CheckJson.verdict(v)));
    }

    private static HttpResponse<byte[]> json(HttpStatus status, byte[] body) {
        return HttpResponse.<byte[]>status(status).contentType(MediaType.APPLICATION_JSON_TYPE).body(body);
    }

    /** iat as epoch seconds (as in the JWT) or ISO-8601. */
    static Instant iat(String iat) {
        if (iat == null || iat.isBlank()) {
            return null;
        }
        try {
            return iat.chars().allMatch(Character::isDigit) ? Instant.ofEpochSecond(Long.parseLong(iat)) : Instant.parse(iat);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("iat: must be epoch seconds or an ISO-8601 instant");
        }
    }

    private static HttpResponse<?> unauthorized() {
        return HttpResponse.unauthorized().body(new Replies.ErrorReply(UNAUTHENTICATED, "Authorization", null, "UNAUTHENTICATED"));
    }

    static final String UNAUTHENTICATED = "a valid 'Authorization: Bearer <token>' header is required";
}
