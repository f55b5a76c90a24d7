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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * HTTP for automation: {@code POST /commands/{verb}} with {@code Authorization: Bearer TOKEN}, runs
 * synchronously and returns the result. Tokens come from configuration ("token=principal:role");
 * role sre may run every command, viewer only status and history. Refusals are audited.
 * 200 done, 400 bad input, 401 no/unknown token, 403 role lacks the right, 409 refused or not the leader
 * (body names the leader), 500 failed.
 */
@Controller
@Tag(name = "commands")
@ExecuteOn(TaskExecutors.BLOCKING)
public class CommandController {
    private final Coordinator coordinator;
    private final FailoverConfiguration config;
    private final Clock clock;
    private final Map<String, String[]> tokens = new HashMap<>();

    public CommandController(Coordinator coordinator, FailoverConfiguration config, Clock clock) {
        this.coordinator = coordinator;
        this.config = config;
        this.clock = clock;
        for (String e : config.apiTokens() == null ? List.<String>of() : config.apiTokens()) {
            int eq = e.indexOf('=');
            int colon = e.lastIndexOf(':');
            if (eq > 0 && colon > eq) {
                tokens.put(e.substring(0, eq), new String[] {e.substring(eq + 1, colon), e.substring(colon + 1)});
            }
        }
    }

    @Get("/status")
    @Operation(summary = "Primary, epoch, leader, writes and each replica's lag (the status command, no token needed)",
            responses = @ApiResponse(responseCode = "200", description = "the status command's result",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = CommandResult.class))))
    public CommandResult status() {
        return coordinator.submit(new CommandRequest(UUID.randomUUID().toString(), Verb.STATUS, null, false, null, null, null, 20,
                "http:anonymous", null)).join();
    }

    @Post("/commands/{verb}")
    @Operation(summary = "Run a command synchronously on the leader and return its result with timed steps",
            description = "Authorization: Bearer <token> from failover.api-tokens (token=principal:role): role sre may run every "
                    + "command, viewer only status and history. Body: a JSON object with the command's parameters: to (region), "
                    + "force, reason, deadline (90s, 10m, 1h or an ISO instant), sql, limit, operator. Refusals are audited.",
            parameters = @Parameter(name = "verb", in = ParameterIn.PATH, required = true,
                    description = "status, history, switchover, failover, pause, resume, migrate, rejoin, ack",
                    schema = @Schema(implementation = String.class)),
            responses = {
                    @ApiResponse(responseCode = "200", description = "done (outcome DONE)",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = CommandResult.class))),
                    @ApiResponse(responseCode = "400", description = "unknown verb or a bad parameter (the reason names it; outcome REFUSED)",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = CommandResult.class))),
                    @ApiResponse(responseCode = "401", description = "no valid API token",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = CommandResult.class))),
                    @ApiResponse(responseCode = "403", description = "the token's role may not run this verb",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = CommandResult.class))),
                    @ApiResponse(responseCode = "409", description = "refused (preflight, another operation in flight), or not the leader (leader names it)",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = CommandResult.class))),
                    @ApiResponse(responseCode = "500", description = "failed part-way (outcome FAILED or ROLLED_BACK; reason and steps say where)",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = CommandResult.class)))})
    public HttpResponse<CommandResult> command(@PathVariable String verb, @Body Map<String, Object> body, HttpRequest<?> http) {
        String auth = http.getHeaders().getAuthorization().orElse("");
        String[] who = auth.startsWith("Bearer ") ? tokens.get(auth.substring(7).strip()) : null;
        Verb v;
        try {
            v = Verb.parse(verb);
        } catch (CommandRefusedException e) {
            return HttpResponse.<CommandResult>status(HttpStatus.BAD_REQUEST).body(coordinator.refused(null, Verb.STATUS,
                    who == null ? "http:unauthenticated" : "http:" + who[0], "verb: " + e.getMessage()));
        }
        if (who == null) {
            return HttpResponse.<CommandResult>status(HttpStatus.UNAUTHORIZED).body(coordinator.refused(null, v, "http:unauthenticated",
                    "no valid API token (Authorization: Bearer TOKEN)"));
        }
        String principal = "http:" + who[0];
        if (v.mutating() && !"sre".equals(who[1])) {
            return HttpResponse.<CommandResult>status(HttpStatus.FORBIDDEN).body(coordinator.refused(null, v, principal,
                    principal + " has role " + who[1] + ", which may not run " + v.token()));
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
