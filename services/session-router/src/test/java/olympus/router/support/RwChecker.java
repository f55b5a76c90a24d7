package olympus.router.support;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import olympus.topology.LocalTopology;
import olympus.topology.PgRoles;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Consumer;

/**
 * The read-your-writes checker. Simulated users write on the primary through PgBouncer, then
 * immediately read their own row from wherever the scheme routes them; each write also schedules
 * one later read of the same row (0.3 s to 7 s later, as a user coming back). A read "misses the
 * user's own write" when the version it sees is older than the user's newest write completed
 * before the read started. Meanwhile replay on the replica is paused and resumed at random (the
 * first pause is long: 7 s, more than the SETEX window).
 *
 * <p>Two schemes run side by side, on disjoint users, in the same run: the router (LSN tokens) and
 * the docs' {@code SETEX recent_write:<user> 5} (primary while the key exists). Half of the
 * router's writes pass the LSN themselves, half let the router ask the primary.
 */
public final class RwChecker {
    public enum Scheme { ROUTER, SETEX }

    /** Per scheme: pairs, reads, stale reads, reads served by the replica (immediate and later). */
    public static final class Counts {
        public final AtomicLong pairs = new AtomicLong();
        public final AtomicLong reads = new AtomicLong();
        public final AtomicLong stale = new AtomicLong();
        public final AtomicLong replicaReads = new AtomicLong();
        public final AtomicLong immediateReplica = new AtomicLong();
        public final AtomicLong laterReads = new AtomicLong();
        public final AtomicLong laterReplica = new AtomicLong();
        public final AtomicLong laterStale = new AtomicLong();
        public final Map<String, AtomicLong> reasons = new ConcurrentHashMap<>();
        /** Time spent per step, to see where a pair's time goes: write, record, route, read. */
        public final AtomicLongArray stepNanos = new AtomicLongArray(4);

        public String steps() {
            long p = Math.max(1, pairs.get());
            long r = Math.max(1, reads.get());
            return String.format("per pair: write %.2f ms, record %.2f ms; per read: route %.2f ms, select %.2f ms",
                    stepNanos.get(0) / 1e6 / p, stepNanos.get(1) / 1e6 / p, stepNanos.get(2) / 1e6 / r, stepNanos.get(3) / 1e6 / r);
        }

        public double replicaShare() {
            return reads.get() == 0 ? 0 : (double) replicaReads.get() / reads.get();
        }

        @Override
        public String toString() {
            return String.format("pairs=%d reads=%d stale=%d replica_share=%.3f (immediate %.3f, later %d reads: replica %.3f, stale %d)",
                    pairs.get(), reads.get(), stale.get(), replicaShare(),
                    pairs.get() == 0 ? 0 : (double) immediateReplica.get() / pairs.get(),
                    laterReads.get(), laterReads.get() == 0 ? 0 : (double) laterReplica.get() / laterReads.get(), laterStale.get());
        }
    }

    public final Counts router = new Counts();
    public final Counts setex = new Counts();
    public final AtomicLong pauses = new AtomicLong();
    public final AtomicLong longestPauseMs = new AtomicLong();

    private final LocalTopology t;
    private final String readRegion;
    private final java.net.URI routerUri;
    private final int users;
    private final int workers;
    private final Consumer<String> log;
    private final AtomicLongArray lastWritten;
    private final DelayQueue<LaterRead> later = new DelayQueue<>();
    private volatile boolean stop;
    /** The topology's router API token, which the router under test requires (EmbeddedRouter). */
    private final String apiToken;

    public RwChecker(LocalTopology t, String readRegion, java.net.URI router, int users, int workers, Consumer<String> log) {
        this.t = t;
        this.readRegion = readRegion;
        this.routerUri = router;
        this.users = users;
        this.workers = workers;
        this.log = log;
        this.lastWritten = new AtomicLongArray(users);
        this.apiToken = EmbeddedRouter.apiToken(t);
    }

    private record LaterRead(int user, long dueNanos) implements Delayed {
        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(dueNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            return Long.compare(dueNanos, ((LaterRead) o).dueNanos);
        }
    }

    static String userId(int u) {
        return "rw-" + u;
    }

    /**
     * Worker w owns users w, w+W, w+2W, ...; alternating the scheme along that sequence gives
     * every worker users of both schemes, so the lockstep below can always pick the one behind.
     */
    Scheme scheme(int u) {
        return (u / workers) % 2 == 0 ? Scheme.ROUTER : Scheme.SETEX;
    }

    private Connection connect(String url) throws SQLException {
        return DriverManager.getConnection(url, PgRoles.APP, t.credentials().pgPassword(PgRoles.APP));
    }

    /** Runs until {@code pairsPerScheme} write-then-read pairs were done for each scheme, or the time is up. */
    public void run(long pairsPerScheme, long maxMillis) throws Exception {
        try (Connection c = connect(t.jdbcUrl(t.primaryRegion())); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS router_rw (user_id text PRIMARY KEY, version bigint NOT NULL)");
            s.execute("TRUNCATE router_rw");
            try (PreparedStatement p = c.prepareStatement("INSERT INTO router_rw VALUES (?, 0)")) {
                for (int u = 0; u < users; u++) {
                    p.setString(1, userId(u));
                    p.addBatch();
                }
                p.executeBatch();
            }
        }
        // The rows must be on the replica before the first read, or the first reads of the SETEX
        // scheme would count a missing row; wait for replay to pass the insert.
        Thread.sleep(500);
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        long deadline = System.nanoTime() + maxMillis * 1_000_000;
        for (int w = 0; w < workers; w++) {
            int worker = w;
            threads.add(new Thread(() -> {
                try {
                    work(worker, pairsPerScheme, deadline);
                } catch (Throwable e) {
                    if (stop) {
                        return;
                    }
                    errors.add(e);
                    stop = true;
                }
            }, "rw-worker-" + w));
        }
        for (int w = 0; w < Math.max(1, workers / 2); w++) {
            threads.add(new Thread(() -> {
                try {
                    laterReads();
                } catch (Throwable e) {
                    if (stop) {
                        return;
                    }
                    errors.add(e);
                    stop = true;
                }
            }, "rw-later-" + w));
        }
        Thread chaos = new Thread(() -> chaos(deadline), "rw-chaos");
        threads.forEach(Thread::start);
        chaos.start();
        long lastReport = System.nanoTime();
        while (!stop && (router.pairs.get() < pairsPerScheme || setex.pairs.get() < pairsPerScheme) && System.nanoTime() < deadline) {
            Thread.sleep(200);
            if (System.nanoTime() - lastReport > 5_000_000_000L) {
                lastReport = System.nanoTime();
                log.accept("router: " + router + " | setex: " + setex);
            }
        }
        // let scheduled later reads that are due soon run, so both schemes' late reads count
        long drainUntil = System.nanoTime() + 1_000_000_000L;
        while (!later.isEmpty() && System.nanoTime() < drainUntil && !stop) {
            Thread.sleep(50);
        }
        stop = true;
        chaos.interrupt();
        for (Thread th : threads) {
            th.interrupt();
            th.join(10_000);
        }
        chaos.join(10_000);
        t.resumeReplay(readRegion);
        if (!errors.isEmpty()) {
            throw new IllegalStateException("checker failed", errors.get(0));
        }
    }

    private void work(int worker, long pairsPerScheme, long deadline) throws Exception {
        Random rnd = new Random(worker * 7919L);
        try (Connection bouncer = connect(t.pgBouncerJdbcUrl(t.primaryRegion()));
             Connection replica = connect(t.jdbcUrl(readRegion));
             Connection primary = connect(t.jdbcUrl(t.primaryRegion()));
             RedisClient rc = t.redisClient(readRegion);
             StatefulRedisConnection<String, String> redisConn = rc.connect();
             RawHttp http = new RawHttp(routerUri.getHost(), routerUri.getPort(), apiToken)) {
            RedisCommands<String, String> redis = redisConn.sync();
            PreparedStatement update = bouncer.prepareStatement("UPDATE router_rw SET version = version + 1 WHERE user_id = ? RETURNING version");
            PreparedStatement walPos = bouncer.prepareStatement("SELECT pg_current_wal_lsn()::text");
            Readers readers = new Readers(replica, primary);
            // Each worker owns the users u with u % workers == worker: one writer per user, so a
            // user's versions are written in order.
            List<Integer> mineRouter = new ArrayList<>();
            List<Integer> mineSetex = new ArrayList<>();
            for (int u = worker; u < users; u += workers) {
                (scheme(u) == Scheme.ROUTER ? mineRouter : mineSetex).add(u);
            }
            while (!stop && System.nanoTime() < deadline) {
                if (router.pairs.get() >= pairsPerScheme && setex.pairs.get() >= pairsPerScheme) {
                    return;
                }
                // The scheme behind goes next: both advance in lockstep, so both see the same
                // replay pauses, and neither finishes early on the faster path.
                Scheme s = router.pairs.get() <= setex.pairs.get() ? Scheme.ROUTER : Scheme.SETEX;
                List<Integer> mine = s == Scheme.ROUTER ? mineRouter : mineSetex;
                if (mine.isEmpty()) {
                    mine = mineRouter.isEmpty() ? mineSetex : mineRouter;
                    s = scheme(mine.get(0));
                }
                int u = mine.get(rnd.nextInt(mine.size()));
                Counts c = s == Scheme.ROUTER ? router : setex;
                String id = userId(u);
                long t0 = System.nanoTime();
                update.setString(1, id);
                long version;
                try (ResultSet rs = update.executeQuery()) {
                    rs.next();
                    version = rs.getLong(1);
                }
                long t1 = System.nanoTime();
                c.stepNanos.addAndGet(0, t1 - t0);
                if (s == Scheme.ROUTER) {
                    String body = "{\"userId\":\"" + id + "\"";
                    if (rnd.nextBoolean()) {
                        try (ResultSet rs = walPos.executeQuery()) {
                            rs.next();
                            body += ",\"lsn\":\"" + rs.getString(1) + "\"";
                        }
                    }
                    RawHttp.Response r = http.post("/v1/writes", body + "}");
                    if (r.status() != 200) {
                        throw new IllegalStateException("recording a write failed: " + r.status() + " " + r.body());
                    }
                } else {
                    redis.setex("recent_write:" + id, 5, "1");
                }
                c.stepNanos.addAndGet(1, System.nanoTime() - t1);
                lastWritten.accumulateAndGet(u, version, Math::max);
                read(u, c, readers, redis, http, false);
                c.pairs.incrementAndGet();
                later.add(new LaterRead(u, System.nanoTime() + (300 + rnd.nextInt(6700)) * 1_000_000L));
            }
        }
    }

    private record Readers(Connection replica, Connection primary) {}

    private void laterReads() throws Exception {
        try (Connection replica = connect(t.jdbcUrl(readRegion));
             Connection primary = connect(t.jdbcUrl(t.primaryRegion()));
             RedisClient rc = t.redisClient(readRegion);
             StatefulRedisConnection<String, String> redisConn = rc.connect();
             RawHttp http = new RawHttp(routerUri.getHost(), routerUri.getPort(), apiToken)) {
            Readers readers = new Readers(replica, primary);
            while (!stop) {
                LaterRead lr = later.poll(100, TimeUnit.MILLISECONDS);
                if (lr != null) {
                    read(lr.user(), scheme(lr.user()) == Scheme.ROUTER ? router : setex, readers, redisConn.sync(), http, true);
                }
            }
        }
    }

    private static final java.util.regex.Pattern REASON = java.util.regex.Pattern.compile("\"reason\":\"([A-Z_]+)\"");

    private void read(int u, Counts c, Readers readers, RedisCommands<String, String> redis, RawHttp http, boolean isLater)
            throws SQLException, java.io.IOException {
        String id = userId(u);
        long expected = lastWritten.get(u);
        long t0 = System.nanoTime();
        boolean onReplica;
        if (scheme(u) == Scheme.ROUTER) {
            RawHttp.Response r = http.get("/v1/route?user=" + id);
            if (r.status() != 200) {
                throw new IllegalStateException("route failed: " + r.status() + " " + r.body());
            }
            onReplica = r.body().contains("\"target\":\"REPLICA\"");
            java.util.regex.Matcher m = REASON.matcher(r.body());
            c.reasons.computeIfAbsent(m.find() ? m.group(1) : "?", k -> new AtomicLong()).incrementAndGet();
        } else {
            onReplica = redis.exists("recent_write:" + id) == 0;
        }
        long t1 = System.nanoTime();
        c.stepNanos.addAndGet(2, t1 - t0);
        Connection db = onReplica ? readers.replica() : readers.primary();
        long seen;
        try (PreparedStatement p = db.prepareStatement("SELECT version FROM router_rw WHERE user_id = ?")) {
            p.setString(1, id);
            try (ResultSet rs = p.executeQuery()) {
                seen = rs.next() ? rs.getLong(1) : -1;
            }
        }
        c.stepNanos.addAndGet(3, System.nanoTime() - t1);
        c.reads.incrementAndGet();
        if (onReplica) {
            c.replicaReads.incrementAndGet();
            if (isLater) {
                c.laterReplica.incrementAndGet();
            } else {
                c.immediateReplica.incrementAndGet();
            }
        }
        if (isLater) {
            c.laterReads.incrementAndGet();
        }
        if (seen < expected) {
            c.stale.incrementAndGet();
            if (isLater) {
                c.laterStale.incrementAndGet();
            }
        }
    }

    /** Pauses and resumes replay on the read region's replica at random; the first pause is long (7 s). */
    private void chaos(long deadline) {
        Random rnd = new Random(42);
        boolean first = true;
        try {
            Thread.sleep(300);
            while (!stop && System.nanoTime() < deadline) {
                long pauseMs = first ? 7000 : 200 + rnd.nextInt(rnd.nextInt(4) == 0 ? 7000 : 1500);
                first = false;
                t.pauseReplay(readRegion);
                pauses.incrementAndGet();
                longestPauseMs.accumulateAndGet(pauseMs, Math::max);
                Thread.sleep(pauseMs);
                t.resumeReplay(readRegion);
                Thread.sleep(300 + rnd.nextInt(2500));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                t.resumeReplay(readRegion);
            } catch (RuntimeException ignored) {
                // repair() in the caller resumes replay in any case
            }
        }
    }
}
