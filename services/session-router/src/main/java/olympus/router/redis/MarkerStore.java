package olympus.router.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.resource.ClientResources;
import io.micronaut.context.annotation.Context;
import jakarta.annotation.PreDestroy;
import olympus.redis.LoopAffineReaders;
import olympus.redis.RedisClients;
import olympus.router.config.RedisConfiguration;
import olympus.router.config.RouterConfiguration;
import olympus.router.core.Marker;
import olympus.router.core.Markers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Markers in Redis: this region's (read path, record path) and, when configured, other regions'
 * (record path only, so a write can be marked where its reads will happen). Redis is a cache of
 * "what may be pending"; when it cannot be read the read path says so (Markers.UNAVAILABLE) and
 * the decision sends keyed reads to the primary rather than guessing "no marker".
 */
@Context
public class MarkerStore {
    private static final Logger LOG = LoggerFactory.getLogger(MarkerStore.class);

    /**
     * Merges the new marker with the stored one (see Marker#encode for the layout): the larger
     * (epoch, lsn) and the later window start win, so two writes recorded out of order never
     * leave the older position in place. Returns the stored value.
     */
    static final String RECORD_SCRIPT = """
            local new = ARGV[1]
            local cur = redis.call('GET', KEYS[1])
            if cur and string.len(cur) >= 50 and string.sub(cur, 1, 3) == 'v1|' then
              local head = string.sub(new, 6, 34)
              local curHead = string.sub(cur, 6, 34)
              if curHead > head then head = curHead end
              local w = string.sub(new, 36, 48)
              local curW = string.sub(cur, 36, 48)
              if curW > w then w = curW end
              new = string.sub(new, 1, 5) .. head .. '|' .. w .. string.sub(new, 49)
            end
            redis.call('SET', KEYS[1], new, 'PX', ARGV[2])
            return new
            """;

    /** Deletes only the value that was judged passed: a marker rewritten since is kept. */
    static final String DROP_SCRIPT = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
            return 0
            """;

    /** One region's Redis. */
    static final class RegionRedis {
        final String region;
        final RedisClient client;
        volatile StatefulRedisConnection<String, String> conn;
        volatile RedisAsyncCommands<String, String> cmd;
        volatile boolean up;
        volatile String lastError;
        int failedProbes;

        RegionRedis(String region, RedisClients.Endpoint redis, Duration timeout, ClientResources resources) {
            this.region = region;
            // Fail fast: queued commands would make the read path wait for a Redis that is gone.
            this.client = RedisClients.create(resources, redis, RedisClients.failFast(
                    TimeoutOptions.builder().timeoutSource(new TimeoutOptions.TimeoutSource() {
                        @Override
                        public long getTimeout(io.lettuce.core.protocol.RedisCommand<?, ?, ?> command) {
                            // The health probe may wait longer than a lookup (see probe()).
                            return command.getType() == io.lettuce.core.protocol.CommandType.PING
                                    ? Math.max(2000, timeout.toMillis() * 5) : timeout.toMillis();
                        }
                    }).build()));
            tryConnect();
        }

        /** Once connected, Lettuce reconnects by itself; this covers a Redis that was down at start. */
        synchronized void tryConnect() {
            if (conn != null) {
                return;
            }
            try {
                conn = client.connect();
                cmd = conn.async();
                up = true;
                lastError = null;
            } catch (RuntimeException e) {
                up = false;
                lastError = e.getMessage();
                LOG.warn("redis of {} not reachable ({}): keyed reads go to the primary until it is", region, e.getMessage());
            }
        }
    }

    private final ClientResources resources;
    private final RegionRedis local;
    private final Map<String, RegionRedis> remote = new LinkedHashMap<>();
    private final Duration timeout;
    private final ScheduledExecutorService probe;
    private final String localRegion;

    private final LoopAffineReaders loopReaders;

    public MarkerStore(RedisConfiguration cfg, RouterConfiguration router,
                       io.micronaut.http.netty.channel.EventLoopGroupRegistry loops, io.micronaut.context.env.Environment env) {
        this.timeout = cfg.timeout();
        RedisClients.Endpoint redis = new RedisClients.Endpoint(cfg.uri(), cfg.user(), cfg.password(),
                olympus.tls.TlsFiles.from(k -> env.getProperty(k, String.class).orElse(null)));
        this.localRegion = router.region();
        // One I/O thread: the router's Redis traffic is many tiny commands, and on a small machine
        // extra threads cost more in wake-ups than they add in parallelism.
        this.resources = olympus.redis.RedisResources.builder().ioThreadPoolSize(cfg.ioThreads()).computationThreadPoolSize(1).build();
        this.local = new RegionRedis(router.region(), redis, cfg.timeout(), resources);
        for (String part : cfg.regions().split(",")) {
            String p = part.strip();
            int eq = p.indexOf('=');
            if (eq > 0 && !p.substring(0, eq).equals(router.region())) {
                remote.put(p.substring(0, eq), new RegionRedis(p.substring(0, eq), redis.at(p.substring(eq + 1)), cfg.timeout(), resources));
            }
        }
        LoopAffineReaders lr = null;
        if (cfg.loopAffinity() && local.cmd != null) {
            try {
                lr = new LoopAffineReaders(loops.getDefaultEventLoopGroup(), redis, cfg.timeout());
            } catch (RuntimeException e) {
                LOG.warn("read-path connections on the server loops not available ({}): using the shared connection", e.toString());
            }
        }
        this.loopReaders = lr;
        this.probe = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "redis-probe");
            t.setDaemon(true);
            return t;
        });
        long every = cfg.probeInterval().toMillis();
        probe.scheduleWithFixedDelay(this::probeAll, every, every, TimeUnit.MILLISECONDS);
    }

    private RegionRedis localRedis() {
        return local;
    }

    private void probeAll() {
        probe(local);
        remote.values().forEach(this::probe);
    }

    private void probe(RegionRedis r) {
        if (r.cmd == null) {
            r.tryConnect();
            return;
        }
        try {
            // The probe is generous (a hung Redis already fails each read at its own timeout); a
            // tight one flags a healthy Redis as down whenever the machine is busy.
            r.cmd.ping().toCompletableFuture().get(Math.max(2000, timeout.toMillis() * 5), TimeUnit.MILLISECONDS);
            if (!r.up) {
                LOG.info("redis of {} reachable again: markers are read again", r.region);
            }
            r.up = true;
            r.lastError = null;
            r.failedProbes = 0;
        } catch (Exception e) {
            r.lastError = e.toString();
            // Two misses in a row, not one: a single slow ping on a loaded machine must not send
            // every keyed read to the primary (a read whose own lookup fails goes there anyway).
            if (++r.failedProbes >= 2 || !r.conn.isOpen()) {
                if (r.up) {
                    LOG.warn("redis of {} unreachable ({}): {}", r.region, e.toString(), r == local
                            ? "reads with a user or session go to the primary" : "writes cannot be marked there");
                }
                r.up = false;
            }
        }
    }

    /** Whether this region's Redis answered the last probe. */
    public boolean localUp() {
        RegionRedis l = localRedis();
        return l.cmd != null && l.up;
    }

    public String localError() {
        return localRedis().lastError;
    }

    public Map<String, Boolean> remoteUp() {
        Map<String, Boolean> m = new LinkedHashMap<>();
        remote.forEach((k, v) -> m.put(k, v.cmd != null && v.up));
        return m;
    }

    public java.util.Set<String> remoteRegions() {
        return remote.keySet();
    }

    /** The markers for a read; never fails: an error or timeout yields Markers.UNAVAILABLE. */
    public CompletionStage<Markers> read(String userId, String sessionId) {
        RegionRedis r = localRedis();
        if (r.cmd == null || !r.up) {
            return CompletableFuture.completedFuture(Markers.UNAVAILABLE);
        }
        if (userId == null && sessionId == null) {
            return CompletableFuture.completedFuture(Markers.NONE);
        }
        LoopAffineReaders.LoopConnection lc = loopReaders != null && r == local ? loopReaders.forCurrentThread() : null;
        if (lc != null && !lc.isOpen()) {
            // Still reconnecting after Redis came back (up to RedisReconnect's 1 s behind the shared
            // connection, which the health probe uses): read through the shared one meanwhile, or
            // /health would say UP while keyed reads still answered MARKERS_UNAVAILABLE (RouterIT
            // failed on that in CI).
            lc = null;
        }
        RedisAsyncCommands<String, String> cmd = lc != null ? lc.commands() : r.cmd;
        if (sessionId == null) {
            // The common case, one key: GET (no list, no MGET reply to unpack).
            CompletionStage<Markers> f = cmd.get(MarkerKeys.userWrite(userId)).handle((value, err) ->
                    err != null ? Markers.UNAVAILABLE : value == null ? Markers.NONE : new Markers(true, Marker.decode(value), null, null));
            if (lc != null) {
                lc.flushSoon();
            }
            return f;
        }
        List<String> keys = new ArrayList<>(3);
        if (userId != null) {
            keys.add(MarkerKeys.userWrite(userId));
        }
        keys.add(MarkerKeys.sessionWrite(sessionId));
        keys.add(MarkerKeys.sessionFresh(sessionId));
        String[] k = keys.toArray(new String[0]);
        CompletionStage<Markers> f = cmd.mget(k).handle((values, err) -> {
            if (err != null) {
                return Markers.UNAVAILABLE;
            }
            Marker uw = null;
            Marker sw = null;
            Marker sf = null;
            int i = 0;
            if (userId != null) {
                uw = decode(values.get(i++));
            }
            if (sessionId != null) {
                sw = decode(values.get(i++));
                sf = decode(values.get(i));
            }
            return new Markers(true, uw, sw, sf);
        });
        if (lc != null) {
            lc.flushSoon();
        }
        return f;
    }

    private static Marker decode(KeyValue<String, String> kv) {
        return kv.hasValue() ? Marker.decode(kv.getValue()) : null;
    }

    /** Records a write marker for the user and/or session in one region; completes with the stored values. */
    public CompletableFuture<Void> recordWrite(String region, String userId, String sessionId, Marker m, Duration ttl) {
        List<CompletableFuture<?>> fs = new ArrayList<>();
        if (userId != null) {
            fs.add(record(region, MarkerKeys.userWrite(userId), m, ttl));
        }
        if (sessionId != null) {
            fs.add(record(region, MarkerKeys.sessionWrite(sessionId), m, ttl));
        }
        return CompletableFuture.allOf(fs.toArray(new CompletableFuture[0]));
    }

    public CompletableFuture<Void> recordSession(String region, String sessionId, Marker m, Duration ttl) {
        return record(region, MarkerKeys.sessionFresh(sessionId), m, ttl).thenApply(v -> null);
    }

    private CompletableFuture<Object> record(String region, String key, Marker m, Duration ttl) {
        RegionRedis r = region.equals(localRegion) ? localRedis() : remote.get(region);
        if (r == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("no Redis configured for region " + region));
        }
        if (r.cmd == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("redis of " + region + " unreachable"));
        }
        return r.cmd.eval(RECORD_SCRIPT, ScriptOutputType.VALUE, new String[] {key}, m.encode(), Long.toString(ttl.toMillis()))
                .toCompletableFuture();
    }

    /** Compare-and-delete of markers every replica has passed; best effort, off the answer's path. */
    public void drop(String userId, String sessionId, Marker userWrite, Marker sessionWrite, Marker sessionFresh) {
        RegionRedis r = localRedis();
        if (r.cmd == null || !r.up) {
            return;
        }
        if (userWrite != null) {
            r.cmd.eval(DROP_SCRIPT, ScriptOutputType.INTEGER, new String[] {MarkerKeys.userWrite(userId)}, userWrite.encode());
        }
        if (sessionWrite != null) {
            r.cmd.eval(DROP_SCRIPT, ScriptOutputType.INTEGER, new String[] {MarkerKeys.sessionWrite(sessionId)}, sessionWrite.encode());
        }
        if (sessionFresh != null) {
            r.cmd.eval(DROP_SCRIPT, ScriptOutputType.INTEGER, new String[] {MarkerKeys.sessionFresh(sessionId)}, sessionFresh.encode());
        }
    }

    @PreDestroy
    void close() {
        probe.shutdownNow();
        if (loopReaders != null) {
            loopReaders.close();
        }
        List<RegionRedis> all = new ArrayList<>(remote.values());
        all.add(local);
        for (RegionRedis r : all) {
            try {
                if (r.conn != null) {
                    r.conn.close();
                }
                r.client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            } catch (RuntimeException e) {
                LOG.debug("closing redis of {}: {}", r.region, e.toString());
            }
        }
        resources.shutdown(0, 1, TimeUnit.SECONDS);
    }
}
