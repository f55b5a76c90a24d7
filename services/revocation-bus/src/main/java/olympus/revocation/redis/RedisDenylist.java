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
import olympus.redis.LoopAffineReaders;
import olympus.revocation.core.CheckAssessor;
import olympus.revocation.core.CheckQuery;
import olympus.revocation.core.Keys;
import olympus.revocation.core.Mutation;
import olympus.revocation.core.Verdict;
import olympus.revocation.core.Written;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One region's denylist in its Redis. A batch of events is one Lua script call: each event's
 * marker, entries, cache invalidation and counter change together or not at all, so a crash
 * cannot leave an event half-applied and marked done. One call per batch, not one per event:
 * with a call per event, encoding and decoding the commands was the largest share of the apply
 * path's CPU. The keys of a batch span hash slots, so this needs a standalone Redis (or one
 * primary per region), not Redis Cluster; the denylist is a per-region cache either way.
 *
 * <p>Thread-safety: several batches may be in flight at once ({@link #applyAsync}); checks use
 * their own connection, so they never queue behind a batch on the client side.
 */
public final class RedisDenylist implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RedisDenylist.class);
    /**
     * KEYS: the applied counter, the applied-sequence mark, the state key, then per event: its
     * applied marker, its entry keys, the cache keys to delete. ARGV: the number of events, the
     * announcement channel, the highest view-stream sequence of the batch (0: none), repair (1:
     * write the entries of an event already marked applied for the same revocation again, for a
     * rebuild of a Redis that lost some keys but kept the markers), the mark this Redis must hold
     * at least (what this process saw it accept, or the consumer's ack floor at start): a lower
     * mark means Redis lost acknowledged writes (restore, failover to a lagging replica), and the
     * script deletes a 'ready' state key before its own writes raise the mark and hide the loss;
     * then per event: mode
     * (SET|WATERMARK), value, expire-at millis, number of entry keys, number of cache keys, and
     * its announcement line ("kind id"), its identity ({@link Mutation#identity}, stored as the
     * marker). Returns, after one entry per event, the mark found when it was too low (-1: it was
     * not). Per event: 1 when applied now, 0 when its id was applied before for the
     * same revocation (nothing written), or an error text when this event failed: Redis' own,
     * or EVENT_ID_REUSED when its id was applied before for another revocation (markers of
     * older versions hold '1' and count as the same). The events
     * applied now are announced (PUBLISH) from inside the script: a subscriber told "applied"
     * finds the entries there (the script is atomic), and the announcement costs no second
     * command or round trip.
     *
     * <p>Each event is written under its own pcall: Redis does not roll a script back, and an
     * error escaping it failed the whole batch, every retry, forever (one corrupt key stalled
     * every event queued behind it). The marker is set last, so an event that failed half-way is
     * not taken for applied when it is retried.
     */
    static final String APPLY = """
            local k, a, applied, out, ann = 4, 6, 0, {}, {}
            local repair = ARGV[4] == '1'
            local seq, expect = tonumber(ARGV[3]), tonumber(ARGV[5])
            local cur = tonumber(redis.call('GET', KEYS[2]) or '0')
            local lost = -1
            if cur < expect and redis.call('GET', KEYS[3]) == 'ready' then
              redis.call('DEL', KEYS[3])
              lost = cur
            end
            if seq > cur then redis.call('SET', KEYS[2], ARGV[3]) end
            local function write(k, n, inv, mode, val, exp, id)
              for i = k + 1, k + n do
                local v = val
                if mode == 'WATERMARK' then
                  local cur = redis.call('GET', KEYS[i])
                  if cur and tonumber(cur) >= tonumber(val) then v = cur end
                end
                local x = exp
                local t = redis.call('PEXPIRETIME', KEYS[i])
                if t > x then x = t end
                redis.call('SET', KEYS[i], v, 'PXAT', x)
              end
              for i = k + n + 1, k + n + inv do redis.call('DEL', KEYS[i]) end
              redis.call('SET', KEYS[k], id, 'PXAT', exp)
            end
            for e = 1, tonumber(ARGV[1]) do
              local mode, val, exp = ARGV[a], ARGV[a + 1], tonumber(ARGV[a + 2])
              local n, inv, line, id = tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4]), ARGV[a + 5], ARGV[a + 6]
              a = a + 7
              local seen = redis.call('GET', KEYS[k])
              if seen and seen ~= id and seen ~= '1' then
                out[e] = 'EVENT_ID_REUSED the event id was applied before for another revocation (' .. seen .. ')'
              elseif not seen then
                local ok, err = pcall(write, k, n, inv, mode, val, exp, id)
                if ok then
                  applied = applied + 1
                  out[e] = 1
                  ann[#ann + 1] = line
                elseif type(err) == 'table' then
                  out[e] = tostring(err.err or err.message or 'error')
                else
                  out[e] = tostring(err)
                end
              else
                if repair then pcall(write, k, n, inv, mode, val, exp, id) end
                out[e] = 0
              end
              k = k + 1 + n + inv
            end
            if applied > 0 then
              redis.call('INCRBY', KEYS[1], applied)
              redis.call('PUBLISH', ARGV[2], table.concat(ann, '\\n') .. '\\n')
            end
            out[tonumber(ARGV[1]) + 1] = lost
            return out
            """;

    /** KEYS[1] state key; ARGV: expected value, new value ('': delete), ttl millis (0: none). Compare-and-set. */
    static final String STATE_CAS = """
            if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
            if ARGV[2] == '' then redis.call('DEL', KEYS[1])
            elseif tonumber(ARGV[3]) > 0 then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
            else redis.call('SET', KEYS[1], ARGV[2]) end
            return 1
            """;

    private final io.lettuce.core.resource.ClientResources resources;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> write;
    private final StatefulRedisConnection<String, String> read;
    private final Duration timeout;
    private final LoopAffineReaders checkReaders;
    private final String uri;
    private volatile io.lettuce.core.pubsub.StatefulRedisPubSubConnection<String, String> pubsub;
    /** The highest view-stream sequence Redis accepted from this process (see CheckAssessor). */
    private final java.util.concurrent.atomic.AtomicLong knownSeq = new java.util.concurrent.atomic.AtomicLong();
    private volatile String applySha;
    private volatile String casSha;

    public RedisDenylist(olympus.redis.RedisClients.Endpoint redis, Duration timeout) {
        this(redis, timeout, null);
    }

    /**
     * @param checkReaders connections on the HTTP server's event loops, for checks (null: checks
     *     share one connection). A check answered on the loop that received it costs no thread
     *     hand-off: with one shared connection, every check's reply and HTTP response ran on the
     *     one Redis I/O thread, which capped checks near 3,000/s on this machine.
     */
    public RedisDenylist(olympus.redis.RedisClients.Endpoint redis, Duration timeout, LoopAffineReaders checkReaders) {
        this.uri = redis.uri();
        this.timeout = timeout;
        this.checkReaders = checkReaders;
        this.resources = olympus.redis.RedisResources.builder().build();
        // Reject rather than queue while disconnected: a check must answer UNKNOWN fast, and an
        // apply must nak, instead of both hanging until the timeout.
        this.client = olympus.redis.RedisClients.create(resources, redis, olympus.redis.RedisClients.failFast(timeout));
        this.write = client.connect();
        this.read = client.connect();
    }

    /**
     * Applies a batch as one pipeline and waits for it (replay path).
     *
     * @return per mutation, what the script did with it
     */
    public List<Written> apply(List<Mutation> batch, long maxSeq, boolean repair) throws Exception {
        if (batch.isEmpty() && maxSeq <= 0) {
            return List.of();
        }
        try {
            return await(submit(batch, maxSeq, repair));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RedisNoScriptException) {
                // Redis restarted (or SCRIPT FLUSH): scripts are gone, load them again. The
                // batch may be half-applied; it is idempotent, so running it again is safe.
                applySha = null;
                casSha = null;
                return await(submit(batch, maxSeq, repair));
            }
            throw e;
        }
    }

    /**
     * Applies a batch as one pipeline without waiting (live path): the caller can send the next
     * batch while this one is in flight. The future completes on a Redis I/O thread; after a lost
     * script (NOSCRIPT) the batch is sent again as EVAL, still without blocking.
     *
     * @return per mutation, what the script did with it
     */
    public CompletableFuture<List<Written>> applyAsync(List<Mutation> batch, long maxSeq) {
        if (batch.isEmpty() && maxSeq <= 0) {
            return CompletableFuture.completedFuture(List.of());
        }
        CompletableFuture<List<Written>> out = new CompletableFuture<>();
        submit(batch, maxSeq, false).whenComplete((r, err) -> {
            if (err == null) {
                out.complete(r);
            } else if (cause(err) instanceof RedisNoScriptException) {
                // Redis restarted (or SCRIPT FLUSH): send the batch again as EVAL, which loads
                // the script; it is idempotent, so a half-applied batch is safe to run again.
                applySha = null;
                casSha = null;
                submit(batch, maxSeq, false).whenComplete((r2, err2) -> {
                    if (err2 == null) {
                        out.complete(r2);
                    } else {
                        out.completeExceptionally(cause(err2));
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

    private List<Written> await(CompletableFuture<List<Written>> f) throws Exception {
        // Every command carries the Redis timeout; this bound only guards against a lost reply.
        return f.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    }

    /**
     * Sends the batch as one script call; the future completes on a Redis I/O thread. Never
     * blocks: it is called from that thread too (ApplyWorker sends the next batch from the
     * completion of the last), so a script not yet loaded goes as EVAL (Redis caches it, and the
     * SHA is taken from that) instead of waiting for SCRIPT LOAD.
     */
    private CompletableFuture<List<Written>> submit(List<Mutation> batch, long maxSeq, boolean repair) {
        RedisAsyncCommands<String, String> a = write.async();
        int n = batch.size();
        List<String> keys = new ArrayList<>(3 + n * 4);
        String[] args = new String[5 + n * 7];
        keys.add(Keys.APPLIED_COUNT);
        keys.add(Keys.APPLIED_SEQ);
        keys.add(Keys.STATE);
        args[0] = Integer.toString(n);
        args[1] = Keys.APPLIED_CHANNEL;
        args[2] = Long.toString(Math.max(0, maxSeq));
        args[3] = repair ? "1" : "0";
        long expect = knownSeq.get();
        args[4] = Long.toString(expect);
        int j = 5;
        for (Mutation m : batch) {
            keys.add(Keys.applied(m.eventId()));
            keys.addAll(m.keys());
            keys.addAll(m.invalidate());
            args[j++] = m.mode().name();
            args[j++] = m.value();
            args[j++] = Long.toString(m.expireAtMillis());
            args[j++] = Integer.toString(m.keys().size());
            args[j++] = Integer.toString(m.invalidate().size());
            args[j++] = m.kind() + " " + m.eventId();
            args[j++] = m.identity();
        }
        String sha = applySha;
        String[] k = keys.toArray(String[]::new);
        RedisFuture<List<Object>> f;
        if (sha != null) {
            f = a.evalsha(sha, ScriptOutputType.MULTI, k, args);
        } else {
            f = a.eval(APPLY, ScriptOutputType.MULTI, k, args);
            f.thenRun(() -> applySha = a.digest(APPLY));
        }
        return f.toCompletableFuture().thenApply(r -> {
            if (r.get(n) instanceof Long lost && lost >= 0) {
                LOG.error("Redis holds the view stream only up to sequence {} but accepted up to {} before: it lost "
                        + "acknowledged revocations (restored, or failed over to a lagging replica); marked the denylist "
                        + "incomplete (checks that find nothing answer UNKNOWN) for a rebuild", lost, expect);
            }
            if (maxSeq > 0) {
                knownSeq.accumulateAndGet(maxSeq, Math::max);
            }
            Written[] out = new Written[n];
            for (int i = 0; i < n; i++) {
                Object o = r.get(i);
                out[i] = o instanceof Long l ? (l == 1L ? Written.APPLIED : Written.DUPLICATE)
                        : Written.failed(o == null ? null : o.toString());
            }
            return Arrays.asList(out);
        });
    }

    /** Non-blocking check: one MGET of the query's keys and the state key, on the caller's loop when it has a connection. */
    public CompletionStage<Verdict> check(CheckQuery q) {
        List<String> keys = new ArrayList<>(q.keys());
        keys.add(Keys.APPLIED_SEQ);
        long known = knownSeq.get();
        LoopAffineReaders.LoopConnection lc = checkReaders == null ? null : checkReaders.forCurrentThread();
        RedisAsyncCommands<String, String> cmd = lc != null ? lc.commands() : read.async();
        CompletionStage<Verdict> v = cmd.mget(keys.toArray(String[]::new)).thenApply(kvs -> {
            List<String> values = new ArrayList<>(kvs.size());
            for (KeyValue<String, String> kv : kvs) {
                values.add(kv.hasValue() ? kv.getValue() : null);
            }
            String held = values.remove(values.size() - 1);
            return CheckAssessor.assess(q, values, held, known);
        });
        if (lc != null) {
            lc.flushSoon();
        }
        return v;
    }

    /**
     * The stored identities of these event ids' applied markers (null where none), for the
     * ingest's reuse check. Non-blocking.
     */
    public CompletionStage<List<String>> markers(List<String> eventIds) {
        return read.async().mget(eventIds.stream().map(Keys::applied).toArray(String[]::new)).thenApply(kvs -> {
            List<String> out = new ArrayList<>(kvs.size());
            for (KeyValue<String, String> kv : kvs) {
                out.add(kv.hasValue() ? kv.getValue() : null);
            }
            return out;
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
        boolean done = cas(Keys.REBUILDING_PREFIX + token, Keys.READY, 0);
        if (done) {
            // What Redis holds now is the new reference: a stream recreated with lower sequences
            // must not leave every negative check UNKNOWN.
            knownSeq.set(appliedSeq());
        }
        return done;
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

    /**
     * Marks the denylist incomplete (deletes the state key if it still holds {@code expectedState}),
     * so checks that find nothing answer UNKNOWN and the rebuilder replays the stream. False if the
     * state changed meanwhile (someone else did, or a rebuild already runs).
     */
    public boolean markIncomplete(String expectedState) throws Exception {
        return expectedState != null && cas(expectedState, "", 0);
    }

    /**
     * The mark Redis must hold at least from now on (the consumer's ack floor at start: every
     * sequence up to it was written before it was acked).
     */
    public void expectAtLeast(long seq) {
        knownSeq.accumulateAndGet(seq, Math::max);
    }

    /** The highest view-stream sequence written ({@link Keys#APPLIED_SEQ}); 0 when absent. */
    public long appliedSeq() throws Exception {
        String v = read.async().get(Keys.APPLIED_SEQ).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return v == null ? 0 : Long.parseLong(v);
    }

    /**
     * Reports every denylist key deleted or evicted in this Redis (keyspace notifications
     * {@code del} and {@code evicted} of keys under {@link Keys#PREFIX}), turning the
     * notifications on if they are off. Expiry is not reported: entries are meant to expire.
     * Notifications are not kept while the service is disconnected; the sequence check covers
     * a Redis that lost writes then ({@link olympus.revocation.core.Completeness}).
     *
     * @return false if Redis refused to turn notifications on (CONFIG disabled): say so to the operator
     */
    public boolean watchDeletions(java.util.function.Consumer<String> onDeleted) {
        boolean on = ensureNotifications();
        int db = RedisURI.create(uri).getDatabase();
        pubsub = client.connectPubSub();
        pubsub.addListener(new io.lettuce.core.pubsub.RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String key) {
                if (key.startsWith(Keys.PREFIX) && !key.equals(Keys.STATE) && !key.equals(Keys.APPLIED_COUNT)) {
                    onDeleted.accept(key);
                }
            }
        });
        pubsub.async().subscribe("__keyevent@" + db + "__:del", "__keyevent@" + db + "__:evicted");
        return on;
    }

    /**
     * Turns on the keyspace notifications {@link #watchDeletions} needs if they are off: a Redis
     * restarted from a configuration without them (set at run time, they do not survive a
     * restart) would otherwise report nothing. False if Redis refused (CONFIG disabled).
     */
    public boolean ensureNotifications() {
        try {
            RedisAsyncCommands<String, String> a = read.async();
            String flags = a.configGet("notify-keyspace-events").get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .getOrDefault("notify-keyspace-events", "");
            String want = withFlags(flags);
            if (!want.equals(flags)) {
                a.configSet("notify-keyspace-events", want).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    /** Notification flags with keyevent (E), generic commands (g: DEL, UNLINK) and evictions (e) added. */
    static String withFlags(String flags) {
        StringBuilder b = new StringBuilder(flags == null ? "" : flags);
        // 'A' is an alias for every class but key-miss and new-key events; it includes g and e.
        for (char c : (b.indexOf("A") >= 0 ? "E" : "Eeg").toCharArray()) {
            if (b.indexOf(String.valueOf(c)) < 0) {
                b.append(c);
            }
        }
        return b.toString();
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
        if (checkReaders != null) {
            checkReaders.close();
        }
        if (pubsub != null) {
            pubsub.close();
        }
        write.close();
        read.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
