package olympus.revocation.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;

import java.time.Duration;
import java.util.List;

/**
 * Settings of one revocation-bus instance ({@code revocation.*}; application.yml maps the
 * topology's environment variables onto them). Defaults are in application.yml.
 *
 * @param region this instance's region (OLYMPUS_REGION): the origin stream it publishes to and the
 *     view stream and Redis it applies to
 * @param regions every region (OLYMPUS_REGIONS), for metrics and health
 * @param natsUrl the region's own NATS server. Never another region's: the durable consumer and
 *     ingest must keep working when this region is cut off
 * @param natsUser NATS user; authority to publish revocations comes from its permissions
 * @param redisUri the region's Redis (the denylist); {@code rediss://} is TLS against olympus.tls.ca
 * @param redisUser its ACL user (REDIS_USER, revocation-bus-REGION; none: Redis' default user), with redisPassword
 * @param redisTimeout per Redis command. Shorter makes checks fail closed (UNKNOWN) sooner when
 *     Redis stalls; longer rides out a slow fork/failover. Default 2s
 * @param ingestTokens bearer tokens allowed to POST revocations. Empty refuses every HTTP ingest
 *     (NATS ingest is governed by NATS permissions instead)
 * @param checkTokens bearer tokens allowed to check; empty leaves checks open (they reveal only
 *     whether an identifier you already hold was revoked). Default empty
 * @param defaultKeepFor keep-until when the caller gives none, counted from revokedAt. Must be at
 *     least the longest token lifetime or a revoked long-lived token comes back when the entry
 *     expires; longer costs Redis memory. Default 720h (Hydra's refresh-token lifetime)
 * @param maxBatchEvents most events in one ingest request. Bounds the work one request can make
 *     and the reply's size. Default 1000
 * @param publishTimeout how long ingest waits for the origin stream's ack before answering 503
 *     (the caller retries with the same event ids). Default 3s
 * @param publishInFlight origin-stream messages awaiting their ack at once. Events arriving
 *     meanwhile leave together in the next message, so fewer in flight means bigger batches and
 *     fewer messages for the servers; more means less waiting behind a slow ack. Default 1
 * @param publishLinger how long the first event of a message may wait for others to join it, while
 *     the bus is busy (a message left within the last 10 lingers; on a quiet bus an event leaves
 *     at once). Every message costs the NATS servers about a dozen operations (store, sourcing
 *     to every region, the stores there, deliveries, acks). With the express copy on, the linger
 *     no longer delays enforcement, only the ingest reply (p50 ~12 ms, p99 ~24 ms at 2,000
 *     events/s with 20ms), and the CPU it saves is what keeps the express path fast: on the
 *     2-core benchmark host, express with 5ms gave propagation p99 50.2 and 26.5 ms, with 20ms
 *     13.2 and 9.8 ms. Without express, 5ms took p99 from 534 ms (no linger) to 36-62 ms. 0
 *     disables. Default 20ms
 * @param applyBatchMax most events applied in one Redis script call. Larger raises the apply rate
 *     under load; it does not add latency when idle (a batch is whatever is waiting). Default 500
 * @param maxAckPending messages the durable consumer may have in flight. Must exceed
 *     applyBatchMax by a good margin or the consumer idles between batches. Default 20000
 * @param ackWait redelivery delay of an unacked message (crash mid-batch). Shorter recovers faster
 *     after a crash; too short redelivers batches still being applied (harmless, idempotent).
 *     Default 30s
 * @param consumerName prefix of the durable consumer on REVOCATION_VIEW ({@code <prefix>-<region>}), shared by
 *     every instance of the region; the region suffix keeps acks from one region from ever matching another's
 * @param rebuildCheckInterval how often the state key is checked to notice an emptied Redis. Only
 *     bounds how soon a rebuild starts: checks answer UNKNOWN, never a wrong "not revoked", in
 *     between, since they read the state key too. Default 250ms
 * @param rebuildLease lifetime of a rebuild claim; another instance takes over after it if the
 *     rebuilding one dies. Default 30s
 * @param completenessCheckInterval how often the highest view-stream sequence Redis holds is
 *     compared with the durable consumer's ack floor, to notice a Redis that lost acknowledged
 *     writes but still says ready (failover to a lagging replica, a restore). Each check is one
 *     JetStream API request. Default 2s
 * @param caepHmacSecret HS256 key CAEP SETs may be signed with, at least 32 bytes (RFC 7518
 *     §3.2; a shorter one is refused at start-up). With neither this nor caepJwksUrl the SET
 *     endpoint is disabled (501): an unsigned SET is not evidence of anything
 * @param caepIssuer the {@code iss} every SET must carry; required when the endpoint is enabled
 * @param caepAudience a value the SET's {@code aud} must contain; required when the endpoint is
 *     enabled, so a SET meant for another receiver of the same transmitter is refused
 * @param caepJwksUrl the transmitter's JWKS ({@code https:}, {@code http:} or {@code file:}) for
 *     RS256/ES256 SETs. Empty accepts HS256 only
 * @param caepJwksCacheTtl how long fetched keys are used before the JWKS is fetched again (an
 *     unknown {@code kid} refetches at once, at most every 30 s). Shorter picks up a revoked key
 *     sooner; longer fetches less and rides out the URL's outages. Default 5m
 * @param caepMaxAge how old a SET's {@code iat} may be. Shorter narrows the window in which a
 *     captured SET is accepted again (it can only repeat the revocation it carries); longer
 *     accepts a transmitter's late retries, which are otherwise refused with 400 and so not
 *     retried again. Default 5m
 * @param caepFutureSkew how far in the future {@code iat} may be (clock skew). Default 30s
 * @param express send each ingested event at once over core NATS to every region as well
 *     (ExpressFanout), and apply the copies received: a region then enforces a revocation about as
 *     fast as a plain NATS fan-out delivers it, instead of after the origin stream's group commit
 *     and sourcing. The durable path is unchanged and still carries every event. Costs one core
 *     NATS message per ingest request and a second (no-op) Redis apply per event. Every region
 *     should agree; a region with it off neither sends nor applies express copies. Default true
 * @param caepTokens bearer tokens of SET transmitters (REVOCATION_CAEP_TOKENS, comma list): valid
 *     on {@code POST /v1/revocations/caep} only, so a transmitter's credential can ingest nothing
 *     but SETs its key signed; a plain JSON revocation with it gets 401. The ingest tokens are
 *     accepted there too
 * @param hookTokens bearer tokens Ory Hydra's {@code oauth2.token_hook} must present on
 *     {@code POST /v1/hooks/hydra/token} (REVOCATION_HOOK_TOKENS, comma list). Empty refuses every
 *     hook call (401), and Hydra then refuses every token: configure it together with the hook.
 *     Its own list, not the ingest tokens: the hook only reads, and Hydra's configuration holds it
 */
@ConfigurationProperties("revocation")
public record RevocationConfiguration(
        @NotBlank String region,
        @NotEmpty List<String> regions,
        @NotBlank String natsUrl,
        String natsUser,
        String natsPassword,
        @NotBlank String redisUri,
        String redisUser,
        String redisPassword,
        @NotNull Duration redisTimeout,
        List<String> ingestTokens,
        List<String> checkTokens,
        @NotNull Duration defaultKeepFor,
        @Min(1) int maxBatchEvents,
        @NotNull Duration publishTimeout,
        @Min(1) int publishInFlight,
        @NotNull Duration publishLinger,
        @Min(1) int applyBatchMax,
        @Min(1) int maxAckPending,
        @NotNull Duration ackWait,
        @NotBlank String consumerName,
        @NotNull Duration rebuildCheckInterval,
        @NotNull Duration rebuildLease,
        @NotNull Duration completenessCheckInterval,
        String caepHmacSecret,
        String caepIssuer,
        String caepAudience,
        String caepJwksUrl,
        @NotNull Duration caepJwksCacheTtl,
        @NotNull Duration caepMaxAge,
        @NotNull Duration caepFutureSkew,
        boolean express,
        List<String> hookTokens,
        List<String> caepTokens) {

    public List<String> ingestTokens() {
        return ingestTokens == null ? List.of() : ingestTokens.stream().filter(t -> !t.isBlank()).toList();
    }

    public List<String> caepTokens() {
        return caepTokens == null ? List.of() : caepTokens.stream().filter(t -> !t.isBlank()).toList();
    }

    public List<String> hookTokens() {
        return hookTokens == null ? List.of() : hookTokens.stream().filter(t -> !t.isBlank()).toList();
    }

    public List<String> checkTokens() {
        return checkTokens == null ? List.of() : checkTokens.stream().filter(t -> !t.isBlank()).toList();
    }
}
