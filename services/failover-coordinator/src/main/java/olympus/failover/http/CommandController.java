package olympus.failover.http;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.http.MediaType;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import olympus.failover.app.Coordinator;
import olympus.failover.config.FailoverConfiguration;
import olympus.failover.core.CommandRefusedException;
import olympus.failover.core.CommandRequest;
import olympus.failover.core.CommandResult;
import olympus.failover.core.NotLeaderException;
import olympus.failover.core.Verb;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * HTTP for automation: {@code POST /commands/{verb}} with {@code Authorization: Bearer TOKEN}, runs
 * synchronously and returns the result. Tokens come from configuration ("token=principal:role");
 * role sre may run every command, viewer only status and history. Refusals of a known caller are
 * audited; requests without a valid token are counted, not audited.
 * 200 done, 400 bad input, 401 no/unknown token, 403 role lacks the right, 409 refused or not the leader
 * (body names the leader), 500 failed.
 */
@Controller
@Tag(name = "commands")
@ExecuteOn(TaskExecutors.BLOCKING)
public class CommandController {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CommandController.class);
    private final Coordinator coordinator;
    private final FailoverConfiguration config;
    private final Clock clock;
    private final ApiTokens tokens;
    private final io.micrometer.core.instrument.Counter unauthenticated;
    private final olympus.auth.Throttle warn = new olympus.auth.Throttle(10_000_000_000L, System::nanoTime);

    public CommandController(Coordinator coordinator, FailoverConfiguration config, Clock clock,
                             io.micrometer.core.instrument.MeterRegistry meters) {
        this.coordinator = coordinator;
        this.config = config;
        this.clock = clock;
        this.tokens = new ApiTokens(config.apiTokens());
        this.unauthenticated = io.micrometer.core.instrument.Counter.builder("olympus_failover_http_unauthenticated")
                .description("HTTP requests refused with 401 (no or an unknown API token): counted, not audited").register(meters);
    }

    /**
     * A request without a valid token is answered 401 and counted, not audited: it names nobody,
     * and storing each one let anyone fill the audit stream (kept 365 days) by calling in a loop.
     * One WARN per 10 s at most says how many there were.
     */
    private HttpResponse<CommandResult> unauthenticated(String verb) {
        unauthenticated.increment();
        long n = warn.count();
        if (n > 0) {
            LOG.warn("{} HTTP request(s) without a valid API token refused (401) since the last warning, the latest for '{}'", n, verb);
        }
        return HttpResponse.<CommandResult>status(HttpStatus.UNAUTHORIZED).body(new CommandResult(UUID.randomUUID().toString(), verb,
                CommandResult.REFUSED, "no valid API token (Authorization: Bearer TOKEN from olympus.failover.api-tokens)", "http:unauthenticated",
                null, null, List.of(), 0, null, null, null, clock.instant().toString(), null));
    }

    @Get("/status")
    @Operation(summary = "Primary, epoch, leader, writes and each replica's lag (the status command; a viewer or sre token)",
            description = "Served from a snapshot at most 1 s old: however often it is called, the agents are probed at most once a second.",
            responses = {
                    @ApiResponse(responseCode = "200", description = "the status command's result",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = CommandResult.class))),
                    @ApiResponse(responseCode = "401", description = "no valid API token (counted, not audited)",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = CommandResult.class)))})
    public HttpResponse<CommandResult> status(HttpRequest<?> http) {
        ApiTokens.Caller who = tokens.find(http.getHeaders().getAuthorization().orElse(null));
        if (who == null) {
            return unauthenticated(Verb.STATUS.token());
        }
        return HttpResponse.ok(coordinator.submit(new CommandRequest(UUID.randomUUID().toString(), Verb.STATUS, null, false, null, null, null, 20,
                "http:" + who.principal(), null)).join());
    }

    @Post("/commands/{verb}")
    @Operation(summary = "Run a command synchronously on the leader and return its result with timed steps",
            description = "Authorization: Bearer <token> from failover.api-tokens (token=principal:role): role sre may run every "
                    + "command, viewer only status and history. Body: a JSON object with the command's parameters: to (region), "
                    + "force, reason, deadline (90s, 10m, 1h or an ISO instant), sql, limit, operator. Refusals of a known caller are audited; a request without a valid token is counted (olympus_failover_http_unauthenticated), not audited.",
            parameters = @Parameter(name = "verb", in = ParameterIn.PATH, required = true,
                    description = "status, history, switchover, failover, pause, resume, migrate, rejoin, ack",
                    schema = @Schema(implementation = String.class)),
            responses = {
                    @ApiResponse(responseCode = "200", description = "done (outcome DONE)",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = CommandResult.class))),
                    @ApiResponse(responseCode = "400", description = "unknown verb or a bad parameter (the reason names it; outcome REFUSED)",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = CommandResult.class))),
                    @ApiResponse(responseCode = "401", description = "no valid API token (counted in olympus_failover_http_unauthenticated, not audited)",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = CommandResult.class))),
                    @ApiResponse(responseCode = "403", description = "the token's role may not run this verb",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = CommandResult.class))),
                    @ApiResponse(responseCode = "409", description = "refused (preflight, another operation in flight), or not the leader (leader names it)",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = CommandResult.class))),
                    @ApiResponse(responseCode = "500", description = "failed part-way (outcome FAILED or ROLLED_BACK; reason and steps say where)",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = CommandResult.class)))})
    public HttpResponse<CommandResult> command(@PathVariable String verb, @Body Map<String, Object> body, HttpRequest<?> http) {
        // The token first: a caller without one learns nothing, not even whether the verb exists.
        ApiTokens.Caller who = tokens.find(http.getHeaders().getAuthorization().orElse(null));
        if (who == null) {
            return unauthenticated(verb);
        }
        String principal = "http:" + who.principal();
        Verb v;
        try {
            v = Verb.parse(verb);
        } catch (CommandRefusedException e) {
            return HttpResponse.<CommandResult>status(HttpStatus.BAD_REQUEST).body(coordinator.refused(null, Verb.STATUS, principal,
                    "verb: " + e.getMessage()));
        }
        if (v.mutating() && !who.sre()) {
            return HttpResponse.<CommandResult>status(HttpStatus.FORBIDDEN).body(coordinator.refused(null, v, principal,
                    principal + " has role " + who.role() + ", which may not run " + v.token()));
        }
        CommandRequest req;
        try {
            req = CommandRequest.from(UUID.randomUUID().toString(), v, body == null ? Map.of() : body, config.regions(), principal, clock.instant());
        } catch (CommandRefusedException e) {
            return HttpResponse.<CommandResult>status(HttpStatus.BAD_REQUEST).body(coordinator.refused(null, v, principal,
                    e.field() + ": " + e.getMessage()));
        }
        try {
            CommandResult r = coordinator.submit(req).get(10, TimeUnit.MINUTES);
            HttpStatus s = r.ok() ? HttpStatus.OK : CommandResult.REFUSED.equals(r.outcome()) ? HttpStatus.CONFLICT : HttpStatus.INTERNAL_SERVER_ERROR;
            return HttpResponse.<CommandResult>status(s).body(r);
        } catch (NotLeaderException e) {
            return HttpResponse.<CommandResult>status(HttpStatus.CONFLICT).body(new CommandResult(req.id(), v.token(), CommandResult.REFUSED,
                    e.getMessage(), principal, null, null, List.of(), 0, e.leader(), null, null, clock.instant().toString(), null));
        } catch (CommandRefusedException e) {
            return HttpResponse.<CommandResult>status(HttpStatus.CONFLICT).body(coordinator.refused(req, v, principal, e.getMessage()));
        } catch (Exception e) {
            return HttpResponse.<CommandResult>status(HttpStatus.INTERNAL_SERVER_ERROR).body(new CommandResult(req.id(), v.token(),
                    CommandResult.FAILED, String.valueOf(e.getMessage()), principal, null, null, List.of(), 0, null, null, null, null, null));
        }
    }
}
