package olympus.revocation.http;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Head;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.Options;
import io.micronaut.http.annotation.Patch;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Put;
import io.swagger.v3.oas.annotations.Hidden;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import olympus.revocation.RevocationBus;
import olympus.revocation.RevocationService;
import olympus.revocation.api.Replies;
import olympus.revocation.core.CheckQuery;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code /v1/authz/**}: Envoy's HTTP ext_authz service and Oathkeeper's {@code remote} authorizer
 * ({@link ExtAuthz}). Envoy sends the original request's method and path under this prefix with its
 * headers; every method and path answers the same: 200 (not revoked, {@code x-olympus-revocation:
 * NOT_REVOKED}), 403 (revoked), 503 (state unknown: fail closed), 401 (no bearer token), 400 (claims
 * refused). Only a 200 lets the request through, so a gateway that cannot reach this fails closed
 * when configured so (Envoy {@code failure_mode_allow: false}, the default).
 */
@Controller("/v1/authz")
@Tag(name = "ext_authz")
public final class ExtAuthzController {
    private final RevocationService service;

    public ExtAuthzController(RevocationBus bus) {
        this.service = bus.service();
    }

    @Get(uris = {"/", "/{+path}"}, produces = MediaType.APPLICATION_JSON)
    @Operation(summary = "Gateway authorizer (Envoy ext_authz, Oathkeeper remote): is the request's bearer token revoked?",
            description = "Any method, any path under /v1/authz (Envoy's path_prefix). Reads a JWT's jti, sub, sid, client_id/azp/cid "
                    + "and iat without verifying it (the gateway verifies); an opaque token is checked by its SHA-256. "
                    + "Only 200 allows.",
            responses = {
                    @ApiResponse(responseCode = "200", description = "not revoked: let the request through",
                            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Replies.CheckReply.class))),
                    @ApiResponse(responseCode = "400", description = "the token's claims are unusable (e.g. an id over 512 characters)",
                            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Replies.ErrorReply.class))),
                    @ApiResponse(responseCode = "401", description = "no bearer token",
                            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Replies.ErrorReply.class))),
                    @ApiResponse(responseCode = "403", description = "revoked: deny",
                            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Replies.CheckReply.class))),
                    @ApiResponse(responseCode = "503", description = "revocation state unknown: deny (fail closed)",
                            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Replies.CheckReply.class)))})
    public CompletionStage<MutableHttpResponse<?>> get(@Header(HttpHeaders.AUTHORIZATION) @Nullable String auth,
            @PathVariable @Nullable String path) {
        return authorize(auth);
    }

    @Hidden
    @Post(uris = {"/", "/{+path}"}, consumes = MediaType.ALL, produces = MediaType.APPLICATION_JSON)
    public CompletionStage<MutableHttpResponse<?>> post(@Header(HttpHeaders.AUTHORIZATION) @Nullable String auth,
            @PathVariable @Nullable String path) {
        return authorize(auth);
    }

    @Hidden
    @Put(uris = {"/", "/{+path}"}, consumes = MediaType.ALL, produces = MediaType.APPLICATION_JSON)
    public CompletionStage<MutableHttpResponse<?>> put(@Header(HttpHeaders.AUTHORIZATION) @Nullable String auth,
            @PathVariable @Nullable String path) {
        return authorize(auth);
    }

    @Hidden
    @Patch(uris = {"/", "/{+path}"}, consumes = MediaType.ALL, produces = MediaType.APPLICATION_JSON)
    public CompletionStage<MutableHttpResponse<?>> patch(@Header(HttpHeaders.AUTHORIZATION) @Nullable String auth,
            @PathVariable @Nullable String path) {
        return authorize(auth);
    }

    @Hidden
    @Delete(uris = {"/", "/{+path}"}, consumes = MediaType.ALL, produces = MediaType.APPLICATION_JSON)
    public CompletionStage<MutableHttpResponse<?>> delete(@Header(HttpHeaders.AUTHORIZATION) @Nullable String auth,
            @PathVariable @Nullable String path) {
        return authorize(auth);
    }

    @Hidden
    @Head(uris = {"/", "/{+path}"})
    public CompletionStage<MutableHttpResponse<?>> head(@Header(HttpHeaders.AUTHORIZATION) @Nullable String auth,
            @PathVariable @Nullable String path) {
        return authorize(auth);
    }

    @Hidden
    @Options(uris = {"/", "/{+path}"})
    public CompletionStage<MutableHttpResponse<?>> options(@Header(HttpHeaders.AUTHORIZATION) @Nullable String auth,
            @PathVariable @Nullable String path) {
        return authorize(auth);
    }

    private CompletionStage<MutableHttpResponse<?>> authorize(String auth) {
        CheckQuery q;
        try {
            q = ExtAuthz.query(auth);
        } catch (BadRequestException e) {
            HttpStatus s = "UNAUTHENTICATED".equals(e.rejection()) ? HttpStatus.UNAUTHORIZED : HttpStatus.BAD_REQUEST;
            return CompletableFuture.completedFuture(HttpResponse.status(s)
                    .body(new Replies.ErrorReply(e.getMessage(), e.field(), null, e.rejection())));
        }
        return service.check(q).thenApply(v -> HttpResponse.status(HttpStatus.valueOf(ExtAuthz.status(v)))
                .header("x-olympus-revocation", v.status().name())
                .contentType(MediaType.APPLICATION_JSON_TYPE)
                .body(CheckJson.verdict(v)));
    }
}
