package olympus.revocation.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import olympus.revocation.core.CheckAssessor;
import olympus.revocation.core.CheckQuery;
import olympus.revocation.core.Keys;
import olympus.revocation.core.Mutation;
import olympus.revocation.core.Verdict;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One region's denylist in its Redis. Writes are Lua scripts, one per event, sent as a pipeline
 * per batch: each event's marker, entries, cache invalidation and counter change together or not
 * at all, so a crash between two commands cannot leave an event half-applied and marked done.
 *
 * <p>Thread-safety: sending a batch is serialised on the write connection (auto-flush is off there,
 * so commands pile up until the batch is flushed), but several batches may be in flight at once
 * ({@link #applyAsync}); checks use their own connection and are fully concurrent and non-blocking.
 */
public final class RedisDenylist implements AutoCloseable {
    /**
     * KEYS: applied marker, applied counter, then ARGV[4] entry keys, then cache keys to delete.
     * ARGV: mode (SET|WATERMARK), value, expire-at millis, number of entry keys.
     * Returns 1 when applied now, 0 when this event id was applied before (nothing written).
     */
    static final String APPLY = """
            if not redis.call('SET', KEYS[1], '1', 'NX', 'PXAT', ARGV[3]) then return 0 end
            local n = tonumber(ARGV[4])
            local exp = tonumber(ARGV[3])
            for i = 3, 2 + n do
              local val = ARGV[2]
              if ARGV[1] == 'WATERMARK' then
                local cur = tonumber(redis.call('GET', KEYS[i]))
                if cur and cur >= tonumber(val) then val = tostring(cur) end
              end
              local e = exp
              local t = redis.call('PEXPIRETIME', KEYS[i])
              if t > e then e = t end
              redis.call('SET', KEYS[i], val, 'PXAT', e)
            end
            for i = 3 + n, #KEYS do redis.call('DEL', KEYS[i]) end
            redis.call('INCR', KEYS[2])
            return 1
            """;

    /** KEYS[1] state key; ARGV: expected value, new value, ttl millis (0: none). Compare-and-set. */
    static final String STATE_CAS = """
            if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
            if tonumber(ARGV[3]) > 0 then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
            else redis.call('SET', KEYS[1], ARGV[2]) end
            return 1
            """;

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> write;
    private final StatefulRedisConnection<String, String> read;
    private final Duration timeout;
    private volatile String applySha;
    private volatile String casSha;

    public RedisDenylist(String uri, Duration timeout) {
        this.timeout = timeout;
        this.client = RedisClient.create(RedisURI.create(uri));
        // Reject rather than queue while disconnected: a check must answer UNKNOWN fast, and an
        // apply must nak, instead of both hanging until the timeout.
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .build());
        this.write = client.connect();
        this.write.setAutoFlushCommands(false);
        this.read = client.connect();
    }

    /**
     * Applies a batch as one pipeline and waits for it (replay path).
     *
     * @return per mutation, true if applied now, false if its event id had been applied before
     */
    public List<Boolean> apply(List<Mutation> batch) throws Exception {
        if (batch.isEmpty()) {
            return List.of();
        }
        try {
            return await(submit(batch));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RedisNoScriptException) {
                // Redis restarted (or SCRIPT FLUSH): scripts are gone, load them again. The
                // batch may be half-applied; it is idempotent, so running it again is safe.
                applySha = null;
                casSha = null;
                return await(submit(batch));
            }
            throw e;
        }
    }

    /**
     * Applies a batch as one pipeline without waiting (live path): the caller can send the next
     * batch while this one is in flight. The future completes on a Redis I/O thread; a lost
     * script (NOSCRIPT) is reloaded and the batch run again on {@code retryOn}.
     *
     * @return per mutation, true if applied now, false if its event id had been applied before
     */
    public CompletableFuture<List<Boolean>> applyAsync(List<Mutation> batch, Executor retryOn) {
        if (batch.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        CompletableFuture<List<Boolean>> first;
        try {
            first = submit(batch);
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<List<Boolean>> out = new CompletableFuture<>();
        first.whenComplete((r, err) -> {
            if (err == null) {
                out.complete(r);
            } else if (cause(err) instanceof RedisNoScriptException) {
                retryOn.execute(() -> {
                    try {
                        applySha = null;
                        casSha = null;
                        out.complete(apply(batch));
                    } catch (ExecutionException e) {
                        out.completeExceptionally(e.getCause() == null ? e : e.getCause());
                    } catch (Throwable t) {
                        out.completeExceptionally(t);
                    }
                });
            } else {
                out.completeExceptionally(cause(err));
            }
        });
        return out;
    }

    private static Throwable cause(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    private List<Boolean> await(CompletableFuture<List<Boolean>> f) throws Exception {
        // Every command carries the Redis timeout; this bound only guards against a lost reply.
        return f.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    }

    /**
     * Queues one script per mutation on the write connection and flushes them as one pipeline.
     * Serialised: auto-flush is off on that connection, so one batch's commands go out together.
     */
    private synchronized CompletableFuture<List<Boolean>> submit(List<Mutation> batch) throws Exception {
        RedisAsyncCommands<String, String> a = write.async();
        String sha = applySha;
        if (sha == null) {
            RedisFuture<String> load = a.scriptLoad(APPLY);
            write.flushCommands();
            sha = load.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            applySha = sha;
        }
        int n = batch.size();
        @SuppressWarnings("unchecked")
        CompletableFuture<Long>[] fs = new CompletableFuture[n];
        for (int i = 0; i < n; i++) {
            Mutation m = batch.get(i);
            List<String> entries = m.keys();
            List<String> invalidate = m.invalidate();
            String[] keys = new String[2 + entries.size() + invalidate.size()];
            int k = 0;
            keys[k++] = Keys.applied(m.eventId());
            keys[k++] = Keys.APPLIED_COUNT;
            for (int j = 0; j < entries.size(); j++) {
                keys[k++] = entries.get(j);
            }
            for (int j = 0; j < invalidate.size(); j++) {
                keys[k++] = invalidate.get(j);
            }
            fs[i] = a.<Long>evalsha(sha, ScriptOutputType.INTEGER, keys, m.mode().name(), m.value(),
                    Long.toString(m.expireAtMillis()), Integer.toString(entries.size())).toCompletableFuture();
        }
        write.flushCommands();
        return CompletableFuture.allOf(fs).thenApply(v -> {
            Boolean[] out = new Boolean[n];
            StringBuilder announce = null;
            for (int i = 0; i < n; i++) {
                boolean now = fs[i].join() == 1L;
                out[i] = now;
                if (now) {
                    if (announce == null) {
                        announce = new StringBuilder(n * 48);
                    }
                    Mutation m = batch.get(i);
                    announce.append(m.kind()).append(' ').append(m.eventId()).append('\n');
                }
            }
            if (announce != null) {
                // After the scripts replied, so a subscriber told "applied" finds the entries
                // already there. Best-effort: the keys are the record, not this message. Sent on
                // the auto-flushed connection: the write connection only flushes per batch.
                read.async().publish(Keys.APPLIED_CHANNEL, announce.toString());
            }
            return Arrays.asList(out);
        });
    }

    /** Non-blocking check: one MGET of the query's keys and the state key. */
    public CompletionStage<Verdict> check(CheckQuery q) {
        List<String> keys = q.keys();
        return read.async().mget(keys.toArray(String[]::new)).thenApply(kvs -> {
            List<String> values = new ArrayList<>(kvs.size());
            for (KeyValue<String, String> kv : kvs) {
                values.add(kv.hasValue() ? kv.getValue() : null);
            }
            return CheckAssessor.assess(q, values);
        });
    }

    public String state() throws Exception {
        return read.async().get(Keys.STATE).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Claims the rebuild: sets the state to {@code rebuilding:<token>} if it is absent. */
    public boolean claimRebuild(String token, Duration lease) throws Exception {
        String r = read.async().set(Keys.STATE, Keys.REBUILDING_PREFIX + token, SetArgs.Builder.nx().px(lease.toMillis()))
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return "OK".equals(r);
    }

    /** Extends our rebuild lease; false if someone flushed Redis or took over meanwhile. */
    public boolean renewRebuild(String token, Duration lease) throws Exception {
        return cas(Keys.REBUILDING_PREFIX + token, Keys.REBUILDING_PREFIX + token, lease.toMillis());
    }

    /** Marks the denylist complete, only if our rebuild still owns the state (no flush since). */
    public boolean finishRebuild(String token) throws Exception {
        return cas(Keys.REBUILDING_PREFIX + token, Keys.READY, 0);
    }

    private boolean cas(String expected, String value, long ttlMillis) throws Exception {
        RedisAsyncCommands<String, String> a = read.async();
        try {
            String sha = casSha;
            if (sha == null) {
                sha = a.scriptLoad(STATE_CAS).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                casSha = sha;
            }
            Long r = a.<Long>evalsha(sha, ScriptOutputType.INTEGER, new String[] {Keys.STATE}, expected, value,
                    Long.toString(ttlMillis)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return r == 1L;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RedisNoScriptException) {
                casSha = null;
                return cas(expected, value, ttlMillis);
            }
            throw e;
        }
    }

    public long appliedCount() throws Exception {
        String v = read.async().get(Keys.APPLIED_COUNT).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return v == null ? 0 : Long.parseLong(v);
    }

    public boolean ping() {
        try {
            return "PONG".equals(read.async().ping().get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        write.close();
        read.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
