package olympus.router.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;

import java.time.Duration;
import java.util.List;

/**
 * What the read decision depends on (prefix {@code router}).
 *
 * @param region             this router's region (OLYMPUS_REGION): reads happen here, its replica is the candidate.
 * @param regions            every region (OLYMPUS_REGIONS); lag samples for other names are ignored.
 * @param primaryRegion      the primary assumed until the control KV's topology has been read
 *                           (OLYMPUS_PRIMARY_REGION). Writes answer HOLD/TOPOLOGY_UNKNOWN until then.
 * @param maxSampleAge       default 3s. A replica whose newest lag sample is older is treated as
 *                           unknown (reads go to the primary, reason LAG_FEED_STALE). Lower sends
 *                           reads to the primary on a brief monitor hiccup; higher only delays noticing a
 *                           dead monitor (a stale LSN is still safe to compare: replay never goes back).
 *                           Keep it above 2-3 of the lag-monitor's sample intervals.
 * @param writeWindow        default 5s. How long a write marker WITHOUT an LSN (the primary could
 *                           not be asked) sends the user to the primary. This is the docs' SETEX
 *                           scheme: no guarantee past the window, hence reason RECENT_WRITE_NO_LSN.
 * @param freshSessionWindow default 10s. The same for a fresh-session marker without an LSN.
 * @param markerTtl          default 10m. Upper bound of an LSN marker's life in Redis. Markers are
 *                           dropped as soon as every replica has replayed past them; the TTL only
 *                           bounds memory for keys never read again. A replica lagging longer than
 *                           this could serve a read that misses the write: keep it far above any lag
 *                           you tolerate before the lag-monitor reports STALE.
 * @param pinnedOperations   default empty. Operations that always read the primary (e.g. "login").
 * @param holdRetry          default 250ms. Retry-after for held writes when the pause has no deadline.
 *                           Lower means more polling during a pause; higher adds latency after it ends.
 * @param guardRate          default 500. Reads per second the primary takes ONLY because the replica
 *                           lags (no marker). Beyond it such reads stay on the lagging replica (reason
 *                           PRIMARY_GUARD): users without a pending write then see slightly stale data
 *                           instead of the primary drowning. Reads that need the primary for a marker
 *                           never count against it. 0 disables the guard.
 * @param guardBurst         default 100. Burst allowance of that budget.
 * @param hookTokens         default empty (ROUTER_HOOK_TOKENS, comma list). Bearer tokens Ory Kratos'
 *                           web_hook must present on {@code POST /v1/hooks/kratos/after-settings|after-recovery}.
 *                           Empty refuses every hook call (401): the hook marks writes for whatever
 *                           identity it names, so it is never open.
 * @param apiTokens          default empty (ROUTER_API_TOKENS, comma list). Bearer tokens every caller of the
 *                           read and write APIs ({@code /v1/route}, {@code /v1/writes}, ...; not the hooks,
 *                           health or metrics) must send; others get 401. Empty: the service does not start,
 *                           unless apiOpen.
 * @param apiOpen            default false (ROUTER_API_OPEN). With no apiTokens, serve those APIs without
 *                           authentication (a WARN at start). Ignored when apiTokens are set.
 * @param markerRate         default 1000 (ROUTER_MARKER_RATE). Markers per second each caller (each API
 *                           token, each Kratos hook token, each address when the APIs are open) may
 *                           record; beyond it the call gets 429 with Retry-After and records nothing.
 *                           Each marker sends a user's reads to the primary and costs a Redis key per
 *                           region: one caller must not pin everyone or spend the others' budget.
 *                           Set it above the caller's peak write rate (writes, new sessions, profile
 *                           changes per second in this region); 0 disables the limit.
 * @param markerBurst        default 2000 (ROUTER_MARKER_BURST). Burst allowance of that budget.
 */
@ConfigurationProperties("router")
public record RouterConfiguration(
        @NotBlank String region,
        @NotEmpty List<String> regions,
        @NotBlank String primaryRegion,
        @Bindable(defaultValue = "3s") Duration maxSampleAge,
        @Bindable(defaultValue = "5s") Duration writeWindow,
        @Bindable(defaultValue = "10s") Duration freshSessionWindow,
        @Bindable(defaultValue = "10m") Duration markerTtl,
        @Bindable(defaultValue = "") List<String> pinnedOperations,
        @Bindable(defaultValue = "250ms") Duration holdRetry,
        @Bindable(defaultValue = "500") double guardRate,
        @Bindable(defaultValue = "100") double guardBurst,
        @Bindable(defaultValue = "") List<String> hookTokens,
        @Bindable(defaultValue = "") List<String> apiTokens,
        @Bindable(defaultValue = "false") boolean apiOpen,
        @Bindable(defaultValue = "1000") double markerRate,
        @Bindable(defaultValue = "2000") double markerBurst) {
}
