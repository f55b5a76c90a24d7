package olympus.router.http;

import olympus.wire.Lsn;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.type.Argument;
import io.micronaut.http.HttpParameters;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.micronaut.json.JsonMapper;
import olympus.router.Application;
import olympus.router.config.RouterConfiguration;
import olympus.router.core.CallerLsn;
import olympus.router.core.EmptyResultDecision;
import olympus.router.core.Marker;
import olympus.router.core.MarkerLimits;
import olympus.router.core.Markers;
import olympus.router.core.ReadDecision;
import olympus.router.core.ReadReason;
import olympus.router.core.ReadRequest;
import olympus.router.core.ReplicaLag;
import olympus.router.core.Router;
import olympus.router.core.RoutingState;
import olympus.router.core.RoutingView;
import olympus.router.core.Topology;
import olympus.router.core.WriteDecision;
import olympus.router.db.PrimaryLsnReader;
import olympus.router.redis.MarkerStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The HTTP API Hydra and Athena call on their request path. The read decision is the hot path:
 * in-memory snapshot, at most one Redis round trip, no database.
 */
@Controller("/v1")
@Tag(name = "routing")
public class RouterController {
    private static final Logger LOG = LoggerFactory.getLogger(RouterController.class);

    private final Router router;
    private final RoutingState state;
    private final MarkerStore markers;
    private final PrimaryLsnReader lsnReader;
    private final DecisionMetrics metrics;
    private final RouterConfiguration cfg;
    private final Clock clock;
    private final olympus.auth.BearerTokens hookTokens;
    private final JsonMapper json;
    private final MarkerLimits limits;
    private final olympus.auth.Throttle limitedWarn = new olympus.auth.Throttle(LOG_QUIET_NANOS, System::nanoTime);
    /*
     * The API token is checked inside each method, first, not in an HTTP filter: once any
     * path-pattern filter exists, Micronaut builds a filter list for every request (an ArrayList,
     * an Optional per filter, a sorted unmodifiable copy; DefaultRouter.findFilters), GET
     * /v1/route included, the benchmarked hot path. Here the check is a header lookup and the
     * constant-time comparison. The POST endpoints take their body as bytes and decode it after
     * the check, so an unauthenticated caller's body is never parsed. RouterIT sends every /v1
     * route the router has without a token, so an endpoint added without its guard fails there.
     */
    private final ApiAuth.Guard routeAuth;
    private final ApiAuth.Guard writesAuth;
    private final ApiAuth.Guard sessionsAuth;
    private final ApiAuth.Guard emptyResultAuth;
    private final ApiAuth.Guard writeCheckAuth;
    private final ApiAuth.Guard stateAuth;
    /**
     * When each "system" reason (not caused by a user's own marker) was last logged: a reason is
     * logged when it appears after 10 s of absence, so the onset of a condition shows in the log
     * without a line per request (keyed and anonymous reads alternate reasons under one fault).
     */
    private final AtomicLongArray lastSeen = newLastSeen();
    private static final long NEVER = Long.MIN_VALUE;
    private static final long LOG_QUIET_NANOS = 10_000_000_000L;
    private static final long LAST_SEEN_GRANULARITY_NANOS = 20_000_000L;

    private static AtomicLongArray newLastSeen() {
        AtomicLongArray a = new AtomicLongArray(ReadReason.values().length);
        for (int i = 0; i < a.length(); i++) {
            a.set(i, NEVER);
        }
        return a;
    }

    public RouterController(Router router, RoutingState state, MarkerStore markers, PrimaryLsnReader lsnReader,
                            DecisionMetrics metrics, RouterConfiguration cfg, Clock clock, ApiAuth auth, JsonMapper json,
                            MarkerLimits limits) {
        this.router = router;
        this.state = state;
        this.markers = markers;
        this.lsnReader = lsnReader;
        this.metrics = metrics;
        this.cfg = cfg;
        this.clock = clock;
        this.hookTokens = KratosHook.tokens(cfg.hookTokens());
        this.json = json;
        this.limits = limits;
        this.routeAuth = auth.guard("/v1/route");
        this.writesAuth = auth.guard("/v1/writes");
        this.sessionsAuth = auth.guard("/v1/sessions");
        this.emptyResultAuth = auth.guard("/v1/empty-result");
        this.writeCheckAuth = auth.guard("/v1/writes/check");
        this.stateAuth = auth.guard("/v1/state");
    }

    /** A POST body, decoded once the token has been checked; 400 when it is not the JSON expected. */
    private <T> T body(byte[] body, Class<T> type) {
        if (body == null || body.length == 0) {
            throw new BadRequestException(null, "request body is empty: a JSON object is expected");
        }
        try {
            T v = json.readValue(body, Argument.of(type));
            if (v == null) {
                throw new BadRequestException(null, "request body must be a JSON object");
            }
            return v;
        } catch (IOException e) {
            String d = String.valueOf(e.getMessage());
            throw new BadRequestException(null, "request body is not the JSON object expected: " + (d.length() > 160 ? d.substring(0, 160) + "..." : d));
        }
    }

    @Get(value = "/route", produces = MediaType.APPLICATION_JSON)
    @Operation(summary = "Before a read: primary or replica?",
            description = "Answers PRIMARY or REPLICA (with the region), the topology epoch and the reason. "
                    + "Reads that carry a user or session with a pending write or fresh-session marker go to the primary "
                    + "until this region's replica has replayed past the marker's WAL position.",
            parameters = {
                    @Parameter(name = "user", in = ParameterIn.QUERY, description = "user id", schema = @Schema(implementation = String.class)),
                    @Parameter(name = "session", in = ParameterIn.QUERY, description = "session id", schema = @Schema(implementation = String.class)),
                    @Parameter(name = "op", in = ParameterIn.QUERY, description = "operation name (see router.pinned-operations)", schema = @Schema(implementation = String.class))},
            responses = {
                    @ApiResponse(responseCode = "200", description = "the decision",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Api.ReadRoute.class))),
                    @ApiResponse(responseCode = "400", description = "an id too long, with control characters or not valid UTF-8, or a query that is not valid percent-encoding (field names it)",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Api.Problem.class))),
                    @ApiResponse(responseCode = "401", description = "no valid bearer token (one of router.api-tokens)",
                    headers = @io.swagger.v3.oas.annotations.headers.Header(name = "WWW-Authenticate", description = "Bearer",
                            schema = @Schema(implementation = String.class)),
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Api.Problem.class)))})
    @SecurityRequirement(name = Application.API_TOKEN)
    public CompletionStage<byte[]> route(HttpRequest<?> request) {
        // The hot path: parameters read from the request's (lazily decoded, cached) query map
        // rather than through per-argument binding and conversion, and the answer written as
        // JSON bytes directly (same fields and order as Api.ReadRoute, nulls omitted).
        long t0 = System.nanoTime();
        routeAuth.check(request);
        ReadRequest req;
        try {
            HttpParameters params = request.getParameters();
            req = new ReadRequest(id("user", params.get("user")), id("session", params.get("session")), params.get("op"));
        } catch (IllegalArgumentException e) {
            // Netty's query decoder: "%zz", a "%" at the end. Unanswered, it would be a 500.
            throw new BadRequestException("query", "the query string is not valid percent-encoding: " + e.getMessage());
        }
        RoutingView view = state.view();
        Instant now = clock.instant();
        ReadDecision early = router.decideWithoutMarkers(req, view, now);
        if (early != null) {
            return CompletableFuture.completedFuture(answer(early, t0));
        }
        return markers.read(req.userId(), req.sessionId()).thenApply(ms -> {
            ReadDecision d = router.decideRead(req, view, ms, clock.instant());
            if (d.dropsAny()) {
                markers.drop(req.userId(), req.sessionId(), d.dropUserWrite(), d.dropSessionWrite(), d.dropSessionFresh());
            }
            return answer(d, t0);
        });
    }

    private byte[] answer(ReadDecision d, long startedAt) {
        metrics.read(d.reason(), System.nanoTime() - startedAt);
        ReadReason r = d.reason();
        if (r != ReadReason.RECENT_WRITE && r != ReadReason.RECENT_WRITE_NO_LSN && r != ReadReason.NEW_SESSION
                && r != ReadReason.CAUGHT_UP && r != ReadReason.OPERATION_PINNED) {
            // Reads the shared slot and writes it only every LAST_SEEN_GRANULARITY: two server
            // loops updating one entry per request would bounce its cache line between cores.
            long now = System.nanoTime();
            int i = r.ordinal();
            long seen = lastSeen.get(i);
            if (seen == NEVER || now - seen > LAST_SEEN_GRANULARITY_NANOS) {
                long last = lastSeen.getAndSet(i, now);
                if (last == NEVER || now - last > LOG_QUIET_NANOS) {
                    LOG.info("reads {} to {} because {} ({})", last == NEVER ? "start going" : "again go", d.target(), r, d.detail());
                }
            }
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("read -> {} {} epoch {} {} {}", d.target(), d.region(), d.epoch(), r, d.detail());
        }
        return RouteJson.encode(d);
    }

    @Post("/writes")
    @ExecuteOn(TaskExecutors.BLOCKING)
    @Operation(summary = "After a write: record a read-your-writes token",
            description = "Stores the primary's WAL position at or after the write's commit (the caller's, or read from the "
                    + "primary) for the user and/or session, in this region's marker store and in the other regions asked "
                    + "for, before answering. 503 when this region's store cannot take it (no guarantee then).",
            responses = {
                    @ApiResponse(responseCode = "200", description = "stored in this region (and in markedRegions)",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Api.Recorded.class))),
                    @ApiResponse(responseCode = "400", description = "neither userId nor sessionId, a bad lsn (unparseable, or ahead of the primary's WAL: no commit has that position), an unknown region or a bad id (field names it)",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Api.Problem.class))),
                    @ApiResponse(responseCode = "401", description = "no valid bearer token (one of router.api-tokens)",
                    headers = @io.swagger.v3.oas.annotations.headers.Header(name = "WWW-Authenticate", description = "Bearer",
                            schema = @Schema(implementation = String.class)),
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Api.Problem.class))),
                    @ApiResponse(responseCode = "429", description = "this caller (its token) is over router.marker-rate: nothing recorded; Retry-After says when to retry",
                    headers = @io.swagger.v3.oas.annotations.headers.Header(name = "Retry-After", description = "seconds",
                            schema = @Schema(implementation = Integer.class)),
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Api.Problem.class))),
                    @ApiResponse(responseCode = "503", description = "not stored in this region's marker store: no read-your-writes guarantee for this write",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Api.Recorded.class)))})
    @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = Api.RecordWrite.class)))
    @SecurityRequirement(name = Application.API_TOKEN)
    public HttpResponse<Api.Recorded> recordWrite(HttpRequest<?> request, @Body @Nullable byte[] raw) {
        String caller = ApiAuth.caller(writesAuth.check(request), request);
        Api.RecordWrite body = body(raw, Api.RecordWrite.class);
        return recordWrite(caller, id("userId", body.userId()), id("sessionId", body.sessionId()), body.lsn(), body.regions());
    }

    /** The write marker of {@code POST /v1/writes}; the Kratos hook records its markers through here too. */
    private HttpResponse<Api.Recorded> recordWrite(String caller, String user, String session, String lsn, List<String> regions) {
        if (user == null && session == null) {
            throw new BadRequestException("userId", "userId or sessionId is required");
        }
        return record(caller, lsn, regions, Marker.Kind.WRITE,
                (region, m, ttl) -> markers.recordWrite(region, user, session, m, ttl));
    }

    @Post(uri = "/hooks/kratos/after-recovery", consumes = {MediaType.APPLICATION_JSON, MediaType.ALL})
    @ExecuteOn(TaskExecutors.BLOCKING)
    @Operation(summary = "Ory Kratos web_hook after a recovery flow: as after-settings",
            responses = {
                    @ApiResponse(responseCode = "200", description = "the marker recorded",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Api.Recorded.class))),
                    @ApiResponse(responseCode = "400", description = "not the expected Jsonnet body (field names the offending field)",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Api.Problem.class))),
                    @ApiResponse(responseCode = "401", description = "no valid bearer token, or no router.hook-tokens configured",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Api.Problem.class))),
                    @ApiResponse(responseCode = "429", description = "this caller (its token) is over router.marker-rate: nothing recorded; Retry-After says when to retry",
                    headers = @io.swagger.v3.oas.annotations.headers.Header(name = "Retry-After", description = "seconds",
                            schema = @Schema(implementation = Integer.class)),
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Api.Problem.class))),
                    @ApiResponse(responseCode = "503", description = "not stored in this region's marker store",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Api.Recorded.class)))})
    @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = Api.KratosHookBody.class)))
    @SecurityRequirement(name = Application.HOOK_TOKEN)
    public HttpResponse<?> kratosAfterRecovery(@io.micronaut.http.annotation.Header(io.micronaut.http.HttpHeaders.AUTHORIZATION)
                                               @io.micronaut.core.annotation.Nullable String auth,
                                               @Body @io.micronaut.core.annotation.Nullable byte[] body) {
        return kratosHook("recovery", auth, body);
    }

    @Post(uri = "/hooks/kratos/after-settings", consumes = {MediaType.APPLICATION_JSON, MediaType.ALL})
    @ExecuteOn(TaskExecutors.BLOCKING)
    @Operation(summary = "Ory Kratos web_hook after a settings or recovery flow: mark the identity's write",
            description = "Kratos' web_hook action (response.parse false, response.ignore false: it runs after the change is "
                    + "persisted, and Kratos waits for it) posts what its Jsonnet body renders: {identity_id, session_id?, "
                    + "flow_id?, regions?}. Records a write marker for the identity (and session) exactly as POST /v1/writes "
                    + "does without an lsn: the primary's current WAL position, read now, after Kratos' commit. So the next "
                    + "/v1/route for that user goes to the primary until this region's replica has replayed the change. "
                    + "Authorization: Bearer <one of router.hook-tokens>. 200 with the marker, 400 naming the field, 401, "
                    + "503 when this region's marker could not be stored (Kratos then shows the flow as failed, although the "
                    + "change is saved).",
            responses = {
                    @ApiResponse(responseCode = "200", description = "the marker recorded",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Api.Recorded.class))),
                    @ApiResponse(responseCode = "400", description = "not the expected Jsonnet body (field names the offending field)",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Api.Problem.class))),
                    @ApiResponse(responseCode = "401", description = "no valid bearer token, or no router.hook-tokens configured",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Api.Problem.class))),
                    @ApiResponse(responseCode = "429", description = "this caller (its token) is over router.marker-rate: nothing recorded; Retry-After says when to retry",
                    headers = @io.swagger.v3.oas.annotations.headers.Header(name = "Retry-After", description = "seconds",
                            schema = @Schema(implementation = Integer.class)),
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Api.Problem.class))),
                    @ApiResponse(responseCode = "503", description = "not stored in this region's marker store",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Api.Recorded.class)))})
    @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = Api.KratosHookBody.class)))
    @SecurityRequirement(name = Application.HOOK_TOKEN)
    public HttpResponse<?> kratosAfterSettings(@io.micronaut.http.annotation.Header(io.micronaut.http.HttpHeaders.AUTHORIZATION)
                                               @io.micronaut.core.annotation.Nullable String auth,
                                               @Body @io.micronaut.core.annotation.Nullable byte[] body) {
        return kratosHook("settings", auth, body);
    }

    private HttpResponse<?> kratosHook(String flow, String auth, byte[] body) {
        int token = hookTokens.match(auth);
        if (token < 0) {
            return HttpResponse.unauthorized().body(new Api.Problem(hookTokens.configured()
                    ? "a valid 'Authorization: Bearer <token>' header is required (one of router.hook-tokens)"
                    : "the Kratos hook is disabled: no router.hook-tokens (ROUTER_HOOK_TOKENS) configured", "Authorization"));
        }
        KratosHook.Change c = KratosHook.parse(body);
        HttpResponse<Api.Recorded> r = recordWrite("hook-token-" + (token + 1), c.identityId(), c.sessionId(), null, c.regions());
        Api.Recorded rec = r.body();
        LOG.info("Kratos {} hook: identity {} session {} flow {} marked at {} ({}) in {}{}", flow, c.identityId(), c.sessionId(),
                c.flowId(), rec == null ? null : rec.lsn(), rec == null ? null : rec.lsnSource(),
                rec == null ? null : rec.markedRegions(), rec == null || rec.unmarkedRegions().isEmpty() ? "" : ", NOT in " + rec.unmarkedRegions());
        return r;
    }

    @Post("/sessions")
    @ExecuteOn(TaskExecutors.BLOCKING)
    @Operation(summary = "A session was just created",
            description = "Stores a fresh-session marker: reads for the session go to the primary until this region's replica "
                    + "has replayed the session (by WAL position; without one, for router.fresh-session-window).",
            responses = {
                    @ApiResponse(responseCode = "200", description = "stored in this region (and in markedRegions)",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Api.Recorded.class))),
                    @ApiResponse(responseCode = "400", description = "no sessionId, a bad lsn (unparseable, or ahead of the primary's WAL: no commit has that position), an unknown region or a bad id (field names it)",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Api.Problem.class))),
                    @ApiResponse(responseCode = "401", description = "no valid bearer token (one of router.api-tokens)",
                    headers = @io.swagger.v3.oas.annotations.headers.Header(name = "WWW-Authenticate", description = "Bearer",
                            schema = @Schema(implementation = String.class)),
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Api.Problem.class))),
                    @ApiResponse(responseCode = "429", description = "this caller (its token) is over router.marker-rate: nothing recorded; Retry-After says when to retry",
                    headers = @io.swagger.v3.oas.annotations.headers.Header(name = "Retry-After", description = "seconds",
                            schema = @Schema(implementation = Integer.class)),
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Api.Problem.class))),
                    @ApiResponse(responseCode = "503", description = "not stored in this region's marker store",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Api.Recorded.class)))})
    @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = Api.RecordSession.class)))
    @SecurityRequirement(name = Application.API_TOKEN)
    public HttpResponse<Api.Recorded> recordSession(HttpRequest<?> request, @Body @Nullable byte[] raw) {
        String caller = ApiAuth.caller(sessionsAuth.check(request), request);
        Api.RecordSession body = body(raw, Api.RecordSession.class);
        String session = id("sessionId", body.sessionId());
        if (session == null) {
            throw new BadRequestException("sessionId", "sessionId is required");
        }
        String user = id("userId", body.userId());
        return record(caller, body.lsn(), body.regions(), Marker.Kind.SESSION, (region, m, ttl) -> {
            CompletableFuture<Void> f = markers.recordSession(region, session, m, ttl);
            return user == null ? f : CompletableFuture.allOf(f, markers.recordWrite(region, user, null,
                    new Marker(Marker.Kind.WRITE, m.epoch(), m.lsn(), m.windowFrom(), m.region()), ttl));
        });
    }

    private interface RegionWriter {
        CompletableFuture<Void> write(String region, Marker m, Duration ttl);
    }

    private HttpResponse<Api.Recorded> record(String caller, String callerLsn, List<String> regions, Marker.Kind kind, RegionWriter writer) {
        Long given = null;
        if (callerLsn != null) {
            try {
                given = Lsn.parse(callerLsn.strip());
            } catch (IllegalArgumentException e) {
                throw new BadRequestException("lsn", e.getMessage());
            }
        }
        Set<String> targets = new LinkedHashSet<>();
        targets.add(cfg.region());
        if (regions != null) {
            for (String r : regions) {
                if (r == null || !state.regions().contains(r)) {
                    throw new BadRequestException("regions", "unknown region '" + r + "', known: " + state.regions());
                }
                targets.add(r);
            }
        }
        // After the input checks (a bad call is a 400 and spends nothing), before the primary is
        // asked for its position: a refused call costs no query and writes no key.
        MarkerLimits.Verdict admitted = limits.admit(caller, System.nanoTime());
        if (!admitted.admitted()) {
            metrics.markersLimited(admitted.caller());
            long n = limitedWarn.count();
            if (n > 0) {
                LOG.warn("refused {} marker call(s) over the per-caller limit since the last such warning; this one: {} "
                        + "(olympus_router_markers_limited_total counts each)", n, admitted.detail());
            }
            throw new MarkersLimitedException(admitted);
        }
        Topology t = state.view().topology();
        Long lsn;
        String source;
        String detail = null;
        if (given != null) {
            Long replayed = state.view().maxReplayOfCurrentPrimary();
            CallerLsn v = CallerLsn.judge(given, replayed, t.primary(), null, null);
            if (v.verdict() == CallerLsn.Verdict.ASK_PRIMARY) {
                try {
                    v = CallerLsn.judge(given, replayed, t.primary(), lsnReader.currentLsn(t.primary()), null);
                } catch (Exception e) {
                    v = CallerLsn.judge(given, replayed, t.primary(), null, String.valueOf(e.getMessage()));
                }
            }
            switch (v.verdict()) {
                case ACCEPT -> {
                    lsn = v.lsn();
                    source = "CALLER";
                }
                case REFUSE -> {
                    metrics.callerLsnRefused();
                    LOG.warn("write marker refused: {}", v.detail());
                    throw new BadRequestException("lsn", v.detail());
                }
                default -> {
                    lsn = null;
                    source = "NONE";
                    detail = v.detail();
                    LOG.warn("write marker without LSN: {}", detail);
                }
            }
        } else {
            try {
                lsn = lsnReader.currentLsn(t.primary());
                source = "PRIMARY";
            } catch (Exception e) {
                lsn = null;
                source = "NONE";
                detail = "primary " + t.primary() + " could not be asked (" + e.getMessage()
                        + "): time-window marker, no guarantee past the window";
                LOG.warn("write marker without LSN: {}", detail);
            }
        }
        Instant now = clock.instant();
        Marker m = new Marker(kind, t.epoch(), lsn, lsn == null ? now : null, cfg.region());
        Map<String, CompletableFuture<Void>> fs = new LinkedHashMap<>();
        for (String r : targets) {
            CompletableFuture<Void> f;
            try {
                f = writer.write(r, m, cfg.markerTtl());
            } catch (RuntimeException e) {
                f = CompletableFuture.failedFuture(e);
            }
            fs.put(r, f);
        }
        List<String> marked = new ArrayList<>();
        List<String> unmarked = new ArrayList<>();
        fs.forEach((r, f) -> {
            try {
                f.get(2, TimeUnit.SECONDS);
                marked.add(r);
            } catch (Exception e) {
                unmarked.add(r);
                LOG.warn("marker not stored in {}: {}", r, e.toString());
            }
        });
        Api.Recorded body = new Api.Recorded(lsn == null ? null : Lsn.format(lsn), source, t.primary(), t.epoch(), marked, unmarked, detail);
        if (unmarked.contains(cfg.region())) {
            // The guarantee rests on the local marker: the caller must know it is not there.
            return HttpResponse.<Api.Recorded>status(HttpStatus.SERVICE_UNAVAILABLE).body(body);
        }
        return HttpResponse.ok(body);
    }

    @Post("/empty-result")
    @Operation(summary = "A replica read came back empty: retry on the primary?",
            description = "Yes only when a write or fresh-session marker exists for the user or session; otherwise random or "
                    + "forged ids would each buy a cross-region primary query.",
            responses = {
                    @ApiResponse(responseCode = "200", description = "the answer",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Api.EmptyResultAnswer.class))),
                    @ApiResponse(responseCode = "400", description = "an id too long or with control characters",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Api.Problem.class))),
                    @ApiResponse(responseCode = "401", description = "no valid bearer token (one of router.api-tokens)",
                    headers = @io.swagger.v3.oas.annotations.headers.Header(name = "WWW-Authenticate", description = "Bearer",
                            schema = @Schema(implementation = String.class)),
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Api.Problem.class)))})
    @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = Api.EmptyResult.class)))
    @SecurityRequirement(name = Application.API_TOKEN)
    public CompletionStage<Api.EmptyResultAnswer> emptyResult(HttpRequest<?> request, @Body @Nullable byte[] raw) {
        emptyResultAuth.check(request);
        Api.EmptyResult body = body(raw, Api.EmptyResult.class);
        ReadRequest req = new ReadRequest(id("userId", body.userId()), id("sessionId", body.sessionId()), null);
        RoutingView view = state.view();
        CompletionStage<Markers> ms = req.hasKey() && !view.localRegion().equals(view.topology().primary())
                ? markers.read(req.userId(), req.sessionId())
                : CompletableFuture.completedFuture(Markers.NONE);
        return ms.thenApply(m -> {
            EmptyResultDecision d = router.decideEmptyResult(req, view, m, clock.instant());
            metrics.empty(d.reason());
            return new Api.EmptyResultAnswer(d.retryOnPrimary(), d.primary(), d.epoch(), d.reason().name());
        });
    }

    @Get("/writes/check")
    @Operation(summary = "Before a write: proceed or hold?",
            description = "HOLD with retryAfterMs and the reason during a migration pause or failover (writes PAUSED in the "
                    + "control KV), or before the topology is known.",
            responses = {
                    @ApiResponse(responseCode = "401", description = "no valid bearer token (one of router.api-tokens)",
                    headers = @io.swagger.v3.oas.annotations.headers.Header(name = "WWW-Authenticate", description = "Bearer",
                            schema = @Schema(implementation = String.class)),
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Api.Problem.class)))})
    @SecurityRequirement(name = Application.API_TOKEN)
    public Api.WriteCheck writeCheck(HttpRequest<?> request) {
        writeCheckAuth.check(request);
        WriteDecision d = router.decideWrite(state.view(), clock.instant());
        metrics.write(d.reason());
        return new Api.WriteCheck(d.action().name(), d.primary(), d.epoch(), d.retryAfterMs(), d.reason().name(), d.detail());
    }

    @Get("/state")
    @Operation(summary = "What the router currently believes: topology and the latest lag sample per replica",
            responses = {
                    @ApiResponse(responseCode = "401", description = "no valid bearer token (one of router.api-tokens)",
                    headers = @io.swagger.v3.oas.annotations.headers.Header(name = "WWW-Authenticate", description = "Bearer",
                            schema = @Schema(implementation = String.class)),
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Api.Problem.class)))})
    @SecurityRequirement(name = Application.API_TOKEN)
    public Map<String, Object> view(HttpRequest<?> request) {
        stateAuth.check(request);
        RoutingView v = state.view();
        Map<String, Object> m = new LinkedHashMap<>();
        Topology t = v.topology();
        m.put("region", v.localRegion());
        m.put("primary", t.primary());
        m.put("epoch", t.epoch());
        m.put("topologyKnown", t.known());
        m.put("replicas", List.copyOf(t.replicas()));
        m.put("writesPaused", t.writesPaused(clock.instant()));
        Map<String, Object> lag = new LinkedHashMap<>();
        for (ReplicaLag l : v.lag().values()) {
            lag.put(l.replica(), Map.of("state", l.state(), "epoch", l.epoch(),
                    "replayLsn", l.replayLsn() == null ? "unknown" : Lsn.format(l.replayLsn()),
                    "ageMs", Duration.between(l.sampledAt(), clock.instant()).toMillis()));
        }
        m.put("lag", lag);
        return m;
    }

    /** See {@link Ids#check}. */
    static String id(String field, String v) {
        return Ids.check(field, v);
    }
}
