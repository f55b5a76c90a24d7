package olympus.revocation.client;

import io.lettuce.core.KeyValue;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import olympus.revocation.core.CheckAssessor;
import olympus.revocation.core.CheckQuery;
import olympus.revocation.core.Keys;
import olympus.revocation.core.Verdict;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A region's token-introspection cache in its Redis, safe against the revocation race.
 *
 * <p>The race: an introspection in flight reads "active" upstream, the revocation bus then
 * deletes the cached entry, and the slow introspection writes "active" back afterwards. Deleting
 * cannot win that race, so every cache hit is checked against the denylist before it is returned
 * ({@link #get}); the entry's TTL is also capped at the token's {@code exp} (RFC 7662).
 *
 * <pre>{@code
 * IntrospectionCache cache = new IntrospectionCache(redisConnection, Clock.systemUTC(), Duration.ofMinutes(5));
 * Optional<IntrospectionCache.Entry> hit = cache.get(jti);
 * if (hit.isEmpty()) {
 *     Entry fresh = introspectUpstream(token);          // Hydra /admin/oauth2/introspect
 *     cache.put(jti, fresh);
 * }
 * }</pre>
 *
 * Thread-safe (Lettuce connections are). Cache entries are keyed by jti; use a token hash as the key
 * for opaque tokens.
 */
public final class IntrospectionCache {
    private final RedisCommands<String, String> redis;
    private final Clock clock;
    private final Duration maxTtl;

    public IntrospectionCache(StatefulRedisConnection<String, String> connection, Clock clock, Duration maxTtl) {
        this.redis = connection.sync();
        this.clock = clock;
        this.maxTtl = maxTtl;
    }

    /** An active introspection result and the identifiers a revocation may name. */
    public record Entry(String jti, String sessionId, String subject, String clientId, Instant iat, Instant exp,
                        String payload) {}

    /** Why {@link #get} returned empty: for metrics and tests. */
    public enum Miss { ABSENT, REVOKED, UNKNOWN, EXPIRED }

    public record Lookup(Optional<Entry> entry, Miss miss, String reason) {}

    public void put(String jti, Entry e) {
        Duration ttl = Duration.between(clock.instant(), e.exp());
        if (ttl.compareTo(maxTtl) > 0) {
            ttl = maxTtl;
        }
        if (ttl.toMillis() <= 0) {
            return;
        }
        redis.set(Keys.introspectionByJti(jti), encode(e), SetArgs.Builder.px(ttl.toMillis()));
    }

    public Optional<Entry> get(String jti) {
        return lookup(jti).entry();
    }

    /** Cache hit, then the denylist for every identifier of the cached token, in one MGET. */
    public Lookup lookup(String jti) {
        String raw = redis.get(Keys.introspectionByJti(jti));
        if (raw == null) {
            return new Lookup(Optional.empty(), Miss.ABSENT, "not cached");
        }
        Entry e = decode(raw);
        if (!e.exp().isAfter(clock.instant())) {
            return new Lookup(Optional.empty(), Miss.EXPIRED, "token expired");
        }
        CheckQuery q = new CheckQuery(e.jti(), null, e.sessionId(), e.subject(), e.clientId(), e.iat());
        List<String> values = new ArrayList<>();
        for (KeyValue<String, String> kv : redis.mget(q.keys().toArray(String[]::new))) {
            values.add(kv.hasValue() ? kv.getValue() : null);
        }
        Verdict v = CheckAssessor.assess(q, values);
        return switch (v.status()) {
            case NOT_REVOKED -> new Lookup(Optional.of(e), null, v.reason());
            case REVOKED -> new Lookup(Optional.empty(), Miss.REVOKED, v.reason());
            case UNKNOWN -> new Lookup(Optional.empty(), Miss.UNKNOWN, v.reason());
        };
    }

    static String encode(Entry e) {
        return String.join("\u001f", nz(e.jti()), nz(e.sessionId()), nz(e.subject()), nz(e.clientId()),
                Long.toString(e.iat().toEpochMilli()), Long.toString(e.exp().toEpochMilli()), nz(e.payload()));
    }

    static Entry decode(String s) {
        String[] p = s.split("\u001f", 7);
        return new Entry(nn(p[0]), nn(p[1]), nn(p[2]), nn(p[3]), Instant.ofEpochMilli(Long.parseLong(p[4])),
                Instant.ofEpochMilli(Long.parseLong(p[5])), p[6]);
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    private static String nn(String s) {
        return s.isEmpty() ? null : s;
    }
}
