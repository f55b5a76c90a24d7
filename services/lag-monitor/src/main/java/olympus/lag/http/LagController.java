package olympus.lag.http;

import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.http.MediaType;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import olympus.lag.core.Assessment;
import olympus.lag.core.CheckResult;
import olympus.lag.core.DurationText;
import olympus.lag.core.LagSample;
import olympus.lag.service.LagMonitor;
import olympus.wire.Naming;
import olympus.wire.ReplicaLagSampled;

import java.util.ArrayList;
import java.util.List;

/**
 * freno-style check API, answered from memory (no database or NATS call on the request path).
 *
 * <ul>
 *   <li>{@code GET /v1/lag/check?replica=eu-west&max=2s}: 200 when a fresh figure is at or under
 *       {@code max}, 429 otherwise (STALE and UNKNOWN always 429); {@code app=NAME} instead of
 *       {@code max} uses the configured threshold of that app; neither uses the verdict (OK only).
 *       {@code replica} defaults to this instance's region.</li>
 *   <li>{@code GET /v1/lag}: every replica this instance knows, with figures and reasons.</li>
 * </ul>
 */
@Controller("/v1/lag")
@Tag(name = "lag")
public class LagController {
    private final LagMonitor monitor;

    public LagController(LagMonitor monitor) {
        this.monitor = monitor;
    }

    @Serdeable
    public record CheckResponse(String replica, boolean ok, String state, @Nullable Double lagMs, @Nullable Double maxMs,
                                @Nullable String app, String reason, @Nullable String detail) {}

    @Serdeable
    @Schema(description = "A 400 answer: what is wrong and the parameter at fault")
    public record ErrorResponse(String error, String field) {}

    @Serdeable
    public record ReplicaView(String replica, String state, String reason, @Nullable String detail, @Nullable Double lagMs,
                              @Nullable Long byteLag, @Nullable String replayLsn, @Nullable String receiveLsn,
                              @Nullable Boolean replayPaused, @Nullable Double writeLagMs, @Nullable Double flushLagMs,
                              @Nullable Double replayLagMs, @Nullable String walStatus, @Nullable Long safeWalSizeBytes,
                              @Nullable Double clockSkewMs, @Nullable String primary, @Nullable Long epoch, String source,
                              @Nullable java.time.Instant sampledAt) {}

    @Serdeable
    public record LagView(String region, String primary, long epoch, List<ReplicaView> replicas) {}

    @Get("/check")
    @Operation(summary = "May this replica be read (or written behind) now? freno-style: 200 yes, 429 no",
            description = "replica: a region name, default this instance's region. max: a duration (2s, 500ms); or app: a "
                    + "configured application's threshold; neither: the verdict (OK only). STALE and UNKNOWN are always 429. "
                    + "Answered from memory.",
            responses = {
                    @ApiResponse(responseCode = "200", description = "a fresh figure at or under the threshold",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = CheckResponse.class))),
                    @ApiResponse(responseCode = "400", description = "replica, max or app refused (field names it)",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ErrorResponse.class))),
                    @ApiResponse(responseCode = "429", description = "over the threshold, stale, or unknown (state and reason say which)",
                    content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = CheckResponse.class)))})
    public HttpResponse<?> check(@Nullable @QueryValue String replica, @Nullable @QueryValue String max,
                                 @Nullable @QueryValue String app) {
        String r = replica == null || replica.isBlank() ? monitor.region() : replica;
        if (!Naming.REGION.matcher(r).matches()) {
            return HttpResponse.badRequest(new ErrorResponse("replica '" + clip(r) + "' is not a region name", "replica"));
        }
        Double maxMs = null;
        if (max != null && !max.isBlank()) {
            try {
                maxMs = DurationText.toMillis(max);
            } catch (IllegalArgumentException e) {
                return HttpResponse.badRequest(new ErrorResponse("max: " + clip(e.getMessage()), "max"));
            }
        } else if (app != null && !app.isBlank()) {
            maxMs = monitor.appMaxMs(app);
            if (maxMs == null) {
                return HttpResponse.badRequest(new ErrorResponse("unknown app '" + clip(app) + "'; configured apps: "
                        + monitor.apps().keySet(), "app"));
            }
        }
        CheckResult c = monitor.check(r, maxMs);
        CheckResponse body = new CheckResponse(r, c.allowed(), c.state().name(), c.lagMs(), c.maxMs(), app,
                c.reason().code(), c.detail());
        return HttpResponse.status(c.allowed() ? HttpStatus.OK : HttpStatus.TOO_MANY_REQUESTS).body(body);
    }

    @Get
    @Operation(summary = "Every replica this instance knows, with its figures, state and reason")
    public LagView all() {
        List<ReplicaView> out = new ArrayList<>();
        for (String r : monitor.knownReplicas()) {
            Assessment a = monitor.current(r);
            LagSample s = monitor.ownSample(r);
            if (s != null) {
                out.add(new ReplicaView(r, a.state().name(), a.reason().code(), a.detail(), a.lagMs(), s.byteLag(),
                        s.replayLsn(), s.receiveLsn(), s.replayPaused(), s.writeLagMs(), s.flushLagMs(), s.replayLagMs(),
                        s.walStatus(), s.safeWalSizeBytes(), s.clockSkewMs(), s.primary(), s.epoch(), "this monitor", s.observedAt()));
            } else {
                ReplicaLagSampled w = monitor.remoteSample(r);
                out.add(new ReplicaView(r, a.state().name(), a.reason().code(), a.detail(), a.lagMs(), w.byteLag(),
                        w.replayLsn(), w.receiveLsn(), w.replayPaused(), w.writeLagMs(), w.flushLagMs(), w.replayLagMs(),
                        w.walStatus(), w.safeWalSizeBytes(), null, w.primary(), w.epoch(), "monitor in " + w.originRegion(),
                        w.occurredAt()));
            }
        }
        return new LagView(monitor.region(), monitor.topology().primary(), monitor.topology().epoch(), out);
    }

    private static String clip(String s) {
        String c = s.replaceAll("[^\\x20-\\x7e]", "?");
        return c.length() > 80 ? c.substring(0, 80) + "..." : c;
    }
}
