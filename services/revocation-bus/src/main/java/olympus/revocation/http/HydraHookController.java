package olympus.revocation.http;

import olympus.auth.BearerTokens;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.Post;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import olympus.revocation.RevocationBus;
import olympus.revocation.RevocationService;
import olympus.revocation.api.Replies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code POST /v1/hooks/hydra/token}: Ory Hydra's {@code oauth2.token_hook} (see {@link HydraTokenHook}
 * for the request and the answers). 204 allows the token exchange, 403 denies it (revoked), 503
 * denies it while the revocation state is unknown (fail closed), 400 for a body that is not a token
 * hook request, 401 without one of {@code revocation.hook-tokens} as a bearer token. Hydra refuses the
 * token on every answer but 204/200, so a misconfigured hook fails closed too.
 */
@Controller("/v1/hooks/hydra")
@Tag(name = "hooks")
public final class HydraHookController {
    private static final Logger LOG = LoggerFactory.getLogger(HydraHookController.class);

    private final RevocationService service;
    private final BearerTokens hookTokens;
    private final Clock clock = Clock.systemUTC();

    public HydraHookController(RevocationBus bus) {
        this.service = bus.service();
        this.hookTokens = new BearerTokens(bus.config().hookTokens(), false);
    }

    @Post(uri = "/token", consumes = {MediaType.APPLICATION_JSON, MediaType.ALL}, produces = MediaType.APPLICATION_JSON)
    @Operation(summary = "Ory Hydra oauth2.token_hook: deny a token exchange or refresh for a revoked token, session, subject or client",
            description = "Checks the grant's subject, client, login session (ext.sid) and a jwt-bearer assertion's jti/hash in one "
                    + "denylist read. Hydra refuses the token on every answer but 204/200, so a misconfigured hook fails closed. "
                    + "Authorization: Bearer <one of revocation.hook-tokens>.",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = @Content(
                    mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiDocs.HydraTokenHookRequest.class))),
            responses = {
                    @ApiResponse(responseCode = "204", description = "not revoked: Hydra issues the token, session unchanged"),
                    @ApiResponse(responseCode = "400", description = "not a token hook request (field names the JSON path)",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Replies.ErrorReply.class))),
                    @ApiResponse(responseCode = "401", description = "no valid bearer token, or no revocation.hook-tokens configured",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Replies.ErrorReply.class))),
                    @ApiResponse(responseCode = "403", description = "revoked: Hydra answers the client access_denied",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiDocs.HydraDenial.class))),
                    @ApiResponse(responseCode = "413", description = "request body over 1 MiB",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Replies.ErrorReply.class))),
                    @ApiResponse(responseCode = "503", description = "revocation state unknown: refused (fail closed), Retry-After 1",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiDocs.HydraDenial.class)))})
    public CompletionStage<HttpResponse<?>> token(@Header(HttpHeaders.AUTHORIZATION) @Nullable String auth,
                                                  @Body @Nullable byte[] body) {
        if (!hookTokens.allows(auth)) {
            return CompletableFuture.completedFuture(HttpResponse.unauthorized().body(new Replies.ErrorReply(hookTokens.configured()
                    ? RevocationController.UNAUTHENTICATED
                    : "the Hydra token hook is disabled: no revocation.hook-tokens (REVOCATION_HOOK_TOKENS) configured",
                    "Authorization", null, "UNAUTHENTICATED")));
        }
        if (body != null && body.length > HydraTokenHook.MAX_BODY) {
            return CompletableFuture.completedFuture(HttpResponse.status(HttpStatus.REQUEST_ENTITY_TOO_LARGE).body(
                    new Replies.ErrorReply("request body over " + HydraTokenHook.MAX_BODY + " bytes", null, null, "TOO_LARGE")));
        }
        HydraTokenHook.Ask ask;
        try {
            ask = HydraTokenHook.parse(body, clock.instant());
        } catch (BadRequestException e) {
            LOG.warn("Hydra token hook request refused: {}", e.getMessage());
            return CompletableFuture.completedFuture(HttpResponse.badRequest(
                    new Replies.ErrorReply(e.getMessage(), e.field(), null, e.rejection())));
        }
        // The service's own check: the same code path, metrics and fail-closed handling as
        // GET /v1/revocations/check.
        return service.check(ask.query()).thenApply(v -> {
            HydraTokenHook.Answer a = HydraTokenHook.answer(ask, v);
            if (a.status() == 204) {
                return HttpResponse.noContent();
            }
            LOG.info("Hydra token hook: {} {} for client {} subject {} session {} ({})", a.decision(), a.status(),
                    ask.query().clientId(), ask.query().subject(), ask.query().sessionId(), v.reason());
            io.micronaut.http.MutableHttpResponse<String> r = HttpResponse.<String>status(HttpStatus.valueOf(a.status()))
                    .contentType(MediaType.APPLICATION_JSON_TYPE).body(a.body());
            return a.status() == 503 ? r.header(HttpHeaders.RETRY_AFTER, "1") : r;
        });
    }
}
