package olympus.failover.nats;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueOptions;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import olympus.failover.core.Lease;
import olympus.failover.core.Observation;
import olympus.failover.core.Operation;
import olympus.failover.core.StaleTopologyException;
import olympus.wire.ClusterTopology;
import olympus.wire.Naming;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;

/**
 * The control bucket (R3, control domain) reached from this region's NATS server. Every write
 * is a compare-and-set on the key's revision (or a create-if-absent), so two writers can never
 * both win; a lost race surfaces as {@link StaleTopologyException}.
 */
public final class ControlKv {
    public static final String OPERATION_KEY = ClusterTopology.OPERATION_KEY;
    public static final String OBSERVER_PREFIX = "observer.";
    static final ObjectMapper JSON = JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
    /** How long a leaderless control stream (503 right after a heal) is retried before a command fails. */
    static final Duration LEADERLESS_RETRY = olympus.nats.LeaderReads.LEADERLESS_RETRY;

    private final KeyValue kv;
    private final Connection nc;
    private final Duration timeout;
    /** The highest epoch read or written here: what this coordinator's fencing tokens carry. */
    private final java.util.concurrent.atomic.AtomicLong highestEpoch = new java.util.concurrent.atomic.AtomicLong();

    public record Versioned<T>(T value, long revision) {}

    public ControlKv(Connection nc, Duration timeout) {
        this.nc = nc;
        this.timeout = timeout;
        try {
            this.kv = nc.keyValue(Naming.CONTROL_BUCKET, KeyValueOptions.builder()
                    .jetStreamOptions(io.nats.client.JetStreamOptions.builder().domain(Naming.CONTROL_DOMAIN).requestTimeout(timeout).build())
                    .build());
            Duration quick = Duration.ofMillis(Math.max(250, timeout.toMillis() / GET_ATTEMPTS));
            this.quickKv = nc.keyValue(Naming.CONTROL_BUCKET, KeyValueOptions.builder()
                    .jetStreamOptions(io.nats.client.JetStreamOptions.builder().domain(Naming.CONTROL_DOMAIN).requestTimeout(quick).build())
                    .build());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A KV get is a direct get, which any replica of the bucket may answer: NATS picks one of them
     * for each request. After a cut, the cut node's replica stays a candidate until its route is
     * found dead, and a request sent its way is never answered (measured in hosts mode: a third
     * of the gets timed out for 40 s after the cut, until the route's 10 s write deadline closed
     * it; puts, answered by the stream leader, never failed). So a get is hedged: when the first
     * has not answered within {@link #HEDGE}, another is sent beside it, and so on up to
     * {@link #GET_ATTEMPTS}; the first answer wins. Tried one after the other instead, each bad
     * pick cost a whole share of the timeout (500 ms): the failover-hosts bench saw a failover's
     * preflight take 1.0-1.5 s and two stage writes 0.5 s each, after the cut, from that alone.
     */
    private KeyValueEntry get(String key) throws IOException, JetStreamApiException {
        java.util.concurrent.CompletionService<KeyValueEntry> cs = new java.util.concurrent.ExecutorCompletionService<>(GETS);
        java.util.List<java.util.concurrent.Future<KeyValueEntry>> sent = new java.util.ArrayList<>();
        Exception last = null;
        int failed = 0;
        try {
            while (true) {
                if (sent.size() < GET_ATTEMPTS) {
                    sent.add(cs.submit(() -> quickKv.get(key)));
                }
                boolean more = sent.size() < GET_ATTEMPTS;
                java.util.concurrent.Future<KeyValueEntry> f = more ? cs.poll(HEDGE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS) : cs.take();
                if (f == null) {
                    continue;
                }
                try {
                    return f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    last = e.getCause() instanceof Exception x ? x : e;
                    if (last instanceof JetStreamApiException api) {
                        throw api;
                    }
                    if (++failed == GET_ATTEMPTS) {
                        break;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted reading '" + key + "'", e);
        } finally {
            sent.forEach(f -> f.cancel(true));
        }
        throw last instanceof IOException io ? io : new IOException("get '" + key + "' failed: " + last, last);
    }

    /**
     * The wait before a get is sent again beside the first: above a get's normal time (1-20 ms
     * here), so a duplicate is rare; each bad pick after a cut costs this much (100 ms left a
     * TLS failover at 0.9-1.0 s in the bench, several gets sit on its path).
     */
    static final Duration HEDGE = Duration.ofMillis(50);
    private static final java.util.concurrent.ExecutorService GETS = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "control-kv-get");
        t.setDaemon(true);
        return t;
    });

    static final int GET_ATTEMPTS = 4;
    private final KeyValue quickKv;

    public Versioned<ClusterTopology> topology() throws IOException, JetStreamApiException {
        KeyValueEntry e = get(ClusterTopology.KEY);
        if (e == null || e.getOperation() != KeyValueOperation.PUT) {
            throw new IOException("no topology under key '" + ClusterTopology.KEY + "' in " + Naming.CONTROL_BUCKET);
        }
        return new Versioned<>(seen(ClusterTopology.fromJson(e.getValue())), e.getRevision());
    }

    private ClusterTopology seen(ClusterTopology t) {
        highestEpoch.accumulateAndGet(t.epoch(), Math::max);
        return t;
    }

    /** The highest topology epoch this coordinator has read or written (0 before the first read). */
    public long highestEpoch() {
        return highestEpoch.get();
    }

    /**
     * The topology as the bucket's stream leader has it ({@code STREAM.MSG.GET}, answered by the
     * leader only). {@link #topology()} is a KV get, which NATS 2.9 serves by direct get from
     * any replica, and a control node that was cut off answers it, right after the heal, with
     * what it had before: seen in PartitionIT, where us-east's coordinator read "primary us-east,
     * epoch 9" 0.7 s after eu-west had been promoted at epoch 10, and lifted its fence. A
     * decision that must not act on a stale value reads here.
     */
    public Versioned<ClusterTopology> topologyFromLeader() throws IOException, InterruptedException {
        Versioned<ClusterTopology> v = fromLeader(ClusterTopology.KEY, b -> seen(ClusterTopology.fromJson(b)));
        if (v == null || v.value() == null) {
            throw new IOException("the control bucket's stream leader holds no topology");
        }
        return v;
    }

    /**
     * The leader lease as the stream leader has it, for the same reason as the topology: a
     * renewal computed from a stale direct get is refused over and over (seen in CI after
     * PartitionIT's heal: "changed since revision 518: wrong last sequence: 521" on every round
     * until the leader could no longer act, failing the next switchover). Null when absent.
     */
    public Versioned<Lease> leaseFromLeader() throws IOException, InterruptedException {
        return fromLeader(ClusterTopology.LEADER_KEY, b -> JSON.readValue(b, Lease.class));
    }

    private interface Parser<T> {
        T parse(byte[] json) throws IOException;
    }

    /** Last value of a key from the stream leader; null if the key was never written, a null value if deleted. */
    private <T> Versioned<T> fromLeader(String key, Parser<T> parser) throws IOException, InterruptedException {
        olympus.nats.LeaderReads.Entry e = olympus.nats.LeaderReads.last(nc, key, timeout, LEADERLESS_RETRY);
        if (e == null) {
            return null;
        }
        return new Versioned<>(e.value() == null ? null : parser.parse(e.value()), e.revision());
    }

    /** A node agent's last heartbeat, from the stream leader; null when it never wrote one. */
    public olympus.failover.core.AgentHeartbeat agentHeartbeat(String region) throws IOException, InterruptedException {
        Versioned<olympus.failover.core.AgentHeartbeat> v = fromLeader(Naming.AGENT_HEARTBEAT_PREFIX + region,
                b -> JSON.readValue(b, olympus.failover.core.AgentHeartbeat.class));
        return v == null ? null : v.value();
    }

    /** One compare-and-set; returns the new revision. */
    public long updateTopology(ClusterTopology t, long revision) throws IOException, JetStreamApiException {
        long rev = cas(ClusterTopology.KEY, t.toJson(), revision);
        seen(t);
        return rev;
    }

    public long createLease(Lease l) throws IOException, JetStreamApiException {
        return create(ClusterTopology.LEADER_KEY, write(l));
    }

    public long updateLease(Lease l, long revision) throws IOException, JetStreamApiException {
        return cas(ClusterTopology.LEADER_KEY, write(l), revision);
    }

    public Versioned<Operation> operation() throws IOException, JetStreamApiException {
        return read(OPERATION_KEY, Operation.class);
    }

    /** Create-if-absent: at most one operation exists at a time, across every coordinator. */
    public long startOperation(Operation op) throws IOException, JetStreamApiException {
        return create(OPERATION_KEY, write(op));
    }

    public long updateOperation(Operation op, long revision) throws IOException, JetStreamApiException {
        return cas(OPERATION_KEY, write(op), revision);
    }

    public void endOperation() throws IOException, JetStreamApiException {
        kv.delete(OPERATION_KEY);
    }

    public static final String AUTO_KEY = "autofailover";

    public Versioned<olympus.failover.core.AutoFailover.State> autoFailover() throws IOException, JetStreamApiException {
        return read(AUTO_KEY, olympus.failover.core.AutoFailover.State.class);
    }

    public void putAutoFailover(olympus.failover.core.AutoFailover.State s) throws IOException, JetStreamApiException {
        kv.put(AUTO_KEY, write(s));
    }

    public void putObservation(Observation o) throws IOException, JetStreamApiException {
        kv.put(OBSERVER_PREFIX + o.observer(), write(o));
    }

    public Observation observation(String region) throws IOException, JetStreamApiException {
        Versioned<Observation> v = read(OBSERVER_PREFIX + region, Observation.class);
        return v == null ? null : v.value();
    }

    private <T> Versioned<T> read(String key, Class<T> type) throws IOException, JetStreamApiException {
        KeyValueEntry e = get(key);
        if (e == null) {
            return null;
        }
        if (e.getOperation() != KeyValueOperation.PUT) {
            return new Versioned<>(null, e.getRevision());
        }
        return new Versioned<>(JSON.readValue(e.getValue(), type), e.getRevision());
    }

    /**
     * Create-if-absent. Not jnats' {@code create}: over a key whose last entry is a delete marker
     * (the operation key after every command) it reads that marker with a direct get, which after a
     * cut may go to the cut replica and time out (the failover-hosts bench: "claim the operation"
     * failed that way 21 s after the cut). Here the marker is read from the stream leader.
     */
    private long create(String key, byte[] value) throws IOException, JetStreamApiException {
        try {
            return kv.update(key, value, 0);
        } catch (JetStreamApiException e) {
            if (!(e.getApiErrorCode() == 10071 || e.getErrorCode() == 400)) {
                throw e;
            }
        }
        olympus.nats.LeaderReads.Entry last;
        try {
            last = olympus.nats.LeaderReads.last(nc, key, timeout, LEADERLESS_RETRY);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted reading '" + key + "'", e);
        }
        if (last != null && last.value() != null) {
            throw new StaleTopologyException("key '" + key + "' already exists (revision " + last.revision() + ")");
        }
        try {
            return kv.update(key, value, last == null ? 0 : last.revision());
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == 10071 || e.getErrorCode() == 400) {
                throw new StaleTopologyException("key '" + key + "' was written meanwhile: " + e.getMessage());
            }
            throw e;
        }
    }

    private long cas(String key, byte[] value, long revision) throws IOException, JetStreamApiException {
        try {
            return kv.update(key, value, revision);
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == 10071 || e.getErrorCode() == 400) {
                throw new StaleTopologyException("key '" + key + "' changed since revision " + revision + ": " + e.getMessage());
            }
            throw e;
        }
    }

    static byte[] write(Object o) {
        try {
            return JSON.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
