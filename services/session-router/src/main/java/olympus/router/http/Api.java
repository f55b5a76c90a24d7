package olympus.router.http;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import io.swagger.v3.oas.annotations.media.Schema;

import java.util.List;

/** Request and response bodies of the HTTP API. */
public final class Api {
    private Api() {}

    @Serdeable
    @Schema(description = "A write that just committed on the primary, to be read back by this user and/or session")
    public record RecordWrite(
            @Nullable @Schema(description = "user id (either userId or sessionId is required)") String userId,
            @Nullable @Schema(description = "session id") String sessionId,
            @Nullable @Schema(description = "primary WAL position at or after the commit (pg_current_wal_lsn() taken after commit), e.g. 0/3000148; when absent the router asks the primary") String lsn,
            @Nullable @Schema(description = "regions where the reads will happen besides this one (needs router.redis.regions)") List<String> regions) {}

    @Serdeable
    @Schema(description = "A session just created; reads in its first moments may reach a replica that has not replayed it")
    public record RecordSession(
            String sessionId,
            @Nullable String userId,
            @Nullable @Schema(description = "primary WAL position at or after the session row's commit") String lsn,
            @Nullable List<String> regions) {}

    @Serdeable
    public record Recorded(
            @Schema(description = "the token stored, or null when no position could be learned (time-window fallback)") @Nullable String lsn,
            @Schema(description = "CALLER, PRIMARY, or NONE (window fallback: no guarantee)") String lsnSource,
            String primary,
            long epoch,
            List<String> markedRegions,
            @Schema(description = "regions asked for but not marked (unreachable Redis or none configured)") List<String> unmarkedRegions,
            @Nullable String detail) {}

    @Serdeable
    public record ReadRoute(
            @Schema(description = "PRIMARY or REPLICA") String target,
            @Schema(description = "region whose database serves the read") String region,
            String primary,
            long epoch,
            @Schema(description = "PRIMARY_IS_LOCAL, NO_REPLICA, OPERATION_PINNED, MARKERS_UNAVAILABLE, LAG_UNKNOWN, LAG_FEED_STALE, RECENT_WRITE, RECENT_WRITE_NO_LSN, NEW_SESSION, REPLICA_LAGGING, PRIMARY_GUARD, CAUGHT_UP, OK") String reason,
            @Nullable String detail) {}

    @Serdeable
    public record EmptyResult(@Nullable String userId, @Nullable String sessionId) {}

    @Serdeable
    public record EmptyResultAnswer(boolean retryOnPrimary, String primary, long epoch,
                                    @Schema(description = "MARKER_PRESENT, NO_MARKER, MARKERS_UNAVAILABLE, PRIMARY_IS_LOCAL") String reason) {}

    @Serdeable
    public record WriteCheck(
            @Schema(description = "PROCEED or HOLD") String action,
            String primary,
            long epoch,
            @Schema(description = "when HOLD: retry after this many milliseconds") long retryAfterMs,
            @Schema(description = "WRITES_OPEN, WRITES_PAUSED, TOPOLOGY_UNKNOWN") String reason,
            @Nullable String detail) {}

    @Serdeable
    @Schema(description = "Every 4xx answer: what is wrong, and the request field at fault when one is")
    public record Problem(String error, @Nullable String field) {}

    /**
     * The body of the Kratos web_hook endpoints, as deploy/ory/olympus-write-marker.jsonnet renders
     * it: for the OpenAPI file only (KratosHook parses it, refusing unknown fields).
     */
    @Schema(description = "What the Kratos web_hook's Jsonnet body renders (deploy/ory/olympus-write-marker.jsonnet); unknown fields are refused")
    public record KratosHookBody(
            @Schema(description = "ctx.identity.id: the user whose reads must see the change") String identity_id,
            @Nullable @Schema(description = "ctx.session.id (settings flows): that session is marked too") String session_id,
            @Nullable @Schema(description = "ctx.flow.id, logged") String flow_id,
            @Nullable @Schema(description = "more regions to mark, as in POST /v1/writes") List<String> regions) {}
}
