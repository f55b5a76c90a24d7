package olympus.router.support;

import olympus.wire.Lsn;

import io.nats.client.Connection;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import olympus.topology.LocalTopology;
import olympus.render.NatsRole;
import olympus.topology.PgRoles;
import olympus.wire.ClusterTopology;
import olympus.wire.EventCodec;
import olympus.wire.Naming;
import olympus.wire.ReplicaLagSampled;

import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Stand-in for the lag-monitor in tests and benchmarks (so they do not depend on that module):
 * reads {@code pg_last_wal_replay_lsn()} from each real replica and the primary's current
 * position, and publishes {@link ReplicaLagSampled} on {@code olympus.lag.<replica>.sample} as
 * the lag-monitor user, under the epoch and primary currently in the control KV. State is
 * LAGGING while replay is paused or more than 16 MiB behind, OK otherwise.
 */
public final class LagSampler implements AutoCloseable {
    private final LocalTopology t;
    private final long intervalMs;
    private final Thread thread;
    private final EventCodec codec = new EventCodec();
    private final AtomicLong published = new AtomicLong();
    private volatile boolean running = true;

    public LagSampler(LocalTopology t, long intervalMs) {
        this.t = t;
        this.intervalMs = intervalMs;
        this.thread = new Thread(this::run, "lag-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    public long published() {
        return published.get();
    }

    private void run() {
        Map<String, java.sql.Connection> db = new HashMap<>();
        Map<String, Connection> nats = new HashMap<>();
        try (Connection control = t.connect(t.primaryRegion(), NatsRole.ADMIN)) {
            KeyValue kv = control.keyValue(Naming.CONTROL_BUCKET, LocalTopology.controlKv());
            long lastTopo = 0;
            ClusterTopology topo = null;
            while (running) {
                long start = System.nanoTime();
                try {
                    if (topo == null || System.currentTimeMillis() - lastTopo > 100) {
                        KeyValueEntry e = kv.get(ClusterTopology.KEY);
                        topo = ClusterTopology.fromJson(e.getValue());
                        lastTopo = System.currentTimeMillis();
                    }
                    String primary = topo.primary();
                    // The database primary of the topology's processes never moves in tests that
                    // rewrite the KV: positions are always read from the real primary.
                    long current = lsn(db, t.primaryRegion(), "SELECT pg_current_wal_lsn()::text");
                    for (String r : t.regions()) {
                        if (r.equals(t.primaryRegion())) {
                            continue;
                        }
                        String replay;
                        boolean paused;
                        try (Statement s = conn(db, r).createStatement();
                             ResultSet rs = s.executeQuery("SELECT pg_last_wal_replay_lsn()::text, pg_get_wal_replay_pause_state() <> 'not paused'")) {
                            rs.next();
                            replay = rs.getString(1);
                            paused = rs.getBoolean(2);
                        }
                        long lag = Math.max(0, current - Lsn.parse(replay));
                        String state = paused || lag > 16L * 1024 * 1024 ? ReplicaLagSampled.LAGGING : ReplicaLagSampled.OK;
                        ReplicaLagSampled s = new ReplicaLagSampled(EventCodec.newEventId(), EventCodec.SCHEMA_VERSION, r,
                                Instant.now(), r, primary, topo.epoch(),
                                null, null, null, null, lag, replay, replay, paused, null, null, state, paused ? "replay paused" : null);
                        Connection nc = nats.computeIfAbsent(r, this::natsFor);
                        nc.publish(Naming.subject(Naming.Family.LAG, r, "sample"), codec.encode(s));
                        published.incrementAndGet();
                    }
                } catch (Exception e) {
                    db.values().forEach(LagSampler::closeQuietly);
                    db.clear();
                }
                long spent = (System.nanoTime() - start) / 1_000_000;
                Thread.sleep(Math.max(1, intervalMs - spent));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            db.values().forEach(LagSampler::closeQuietly);
            nats.values().forEach(c -> {
                try {
                    c.close();
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            });
        }
    }

    private Connection natsFor(String region) {
        try {
            return t.connect(region, NatsRole.LAG_MONITOR);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private java.sql.Connection conn(Map<String, java.sql.Connection> db, String region) throws java.sql.SQLException {
        java.sql.Connection c = db.get(region);
        if (c == null) {
            c = DriverManager.getConnection(t.jdbcUrl(region), PgRoles.APP, t.credentials().pgPassword(PgRoles.APP));
            db.put(region, c);
        }
        return c;
    }

    private long lsn(Map<String, java.sql.Connection> db, String region, String sql) throws java.sql.SQLException {
        try (Statement s = conn(db, region).createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return Lsn.parse(rs.getString(1));
        }
    }

    private static void closeQuietly(java.sql.Connection c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // a broken connection is replaced on the next cycle
        }
    }

    /** Stops publishing: the router's feed goes stale after router.max-sample-age. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(5000);
    }

    public static List<String> replicas(LocalTopology t) {
        return t.regions().stream().filter(r -> !r.equals(t.primaryRegion())).toList();
    }
}
