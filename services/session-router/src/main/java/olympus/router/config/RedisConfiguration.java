package olympus.router.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.NotBlank;

import java.time.Duration;

/**
 * Marker store (prefix {@code router.redis}).
 *
 * @param uri           REDIS_URI: this region's Redis, where reads happening here look for markers.
 * @param regions       default empty. Other regions' Redis as {@code region=redis://host:port,...}
 *                      (OLYMPUS_REDIS_ENDPOINTS). When set, a recorded write can also be marked in
 *                      the regions where the caller says reads will happen, before the call returns.
 * @param timeout       default 200ms. Per-command timeout. On the read path a timeout counts as
 *                      "markers unavailable" (reads with a key go to the primary): lower fails over
 *                      to the primary sooner when Redis stalls, higher tolerates slow Redis.
 * @param probeInterval default 500ms. How often Redis is pinged; after two missed pings in a row the
 *                      read path stops waiting for timeouts and routes keyed reads to the primary at once.
 * @param loopAffinity  default true. Read-path lookups use one connection per HTTP server event loop,
 *                      registered on that loop, so a decision never changes threads (see
 *                      LoopAffineReaders). False: every lookup shares one connection (more thread hand-offs).
 * @param user          REDIS_USER, with REDIS_PASSWORD: the router's ACL user (session-router-REGION), the same
 *                      in every region's Redis; none: Redis' default user. {@code rediss://} addresses are
 *                      TLS against olympus.tls.ca, presenting olympus.tls.cert.
 * @param ioThreads     default 1. Lettuce I/O threads. One suffices for a single connection per region
 *                      and avoids wake-ups between threads on small machines.
 */
@ConfigurationProperties("router.redis")
public record RedisConfiguration(@NotBlank String uri,
                                 @Bindable(defaultValue = "") String regions,
                                 @Bindable(defaultValue = "200ms") Duration timeout,
                                 @Bindable(defaultValue = "500ms") Duration probeInterval,
                                 @Bindable(defaultValue = "1") int ioThreads,
                                 @Bindable(defaultValue = "true") boolean loopAffinity,
                                 @io.micronaut.core.annotation.Nullable String user,
                                 @io.micronaut.core.annotation.Nullable String password) {
}
