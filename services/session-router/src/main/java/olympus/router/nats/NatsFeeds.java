package olympus.router.nats;

import olympus.wire.Lsn;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Context;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.KeyValue;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.KeyValueWatcher;
import io.nats.client.impl.NatsKeyValueWatchSubscription;
import io.nats.client.KeyValueOptions;
import jakarta.annotation.PreDestroy;
import olympus.router.config.NatsConfiguration;
import olympus.router.config.RouterConfiguration;
import olympus.router.core.ReplicaLag;
import olympus.router.core.RoutingState;
import olympus.router.core.Topology;
import olympus.router.core.TopologyFeed;
import olympus.wire.ClusterTopology;
import olympus.wire.EventCodec;
import olympus.wire.Naming;
import olympus.wire.ReplicaLagSampled;
import olympus.wire.WireException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The router's two inputs from NATS, both into {@link RoutingState}:
 * <ul>
 *   <li>Lag samples: core NATS on {@code olympus.lag.*.sample} from every region (at most once:
 *   a lost sample only delays the next comparison; a missing feed turns into LAG_FEED_STALE, so
 *   loss can cost replica share but never correctness), warmed at start from the olympus_lag
 *   bucket (latest per replica).</li>
 *   <li>Topology: a watch on the control KV key "topology" (the record: a change arrives in well
 *   under a second), plus a poll of the key every watchRetry that also re-creates a lost watch.
 *   Applied in KV revision order only (RoutingState, TopologyFeed). The core-NATS announce is a
 *   hint that makes the router read the KV at once; its content is never applied.</li>
 * </ul>
 * A bad message is counted and logged, never thrown back into the dispatcher.
 */
@Context
public class NatsFeeds {
    private static final Logger LOG = LoggerFactory.getLogger(NatsFeeds.class);
    private static final KeyValueOptions CONTROL = KeyValueOptions.builder().jsDomain(Naming.CONTROL_DOMAIN).build();

    private final RoutingState state;
    private final RouterConfiguration router;
    private final NatsConfiguration cfg;
    private final Clock clock;
    private final EventCodec codec = new EventCodec();
    private final Connection nc;
    private final ScheduledExecutorService control;
    private final Counter samplesApplied;
    private final Counter samplesIgnored;
    private final Counter samplesRejected;
    private final Counter topologyRejected;
    private final java.util.Map<TopologyFeed.Reason, Counter> announces = new java.util.EnumMap<>(TopologyFeed.Reason.class);
    private final java.util.concurrent.atomic.AtomicBoolean readRequested = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile NatsKeyValueWatchSubscription watch;
    private volatile Instant lastTopologyRead;
    private volatile String lastControlError;
    private volatile boolean lagWarmed;

    public NatsFeeds(RoutingState state, RouterConfiguration router, NatsConfiguration cfg, Clock clock, MeterRegistry meters,
                     io.micronaut.context.env.Environment env)
            throws java.io.IOException, InterruptedException {
        this.state = state;
        this.router = router;
        this.cfg = cfg;
        this.clock = clock;
        this.samplesApplied = Counter.builder("olympus.router.lag.samples").tag("outcome", "applied").register(meters);
        this.samplesIgnored = Counter.builder("olympus.router.lag.samples").tag("outcome", "ignored").register(meters);
        this.samplesRejected = Counter.builder("olympus.router.lag.samples").tag("outcome", "rejected").register(meters);
        this.topologyRejected = Counter.builder("olympus.router.topology.rejected").register(meters);
        for (TopologyFeed.Reason r : TopologyFeed.Reason.values()) {
            if (r.name().startsWith("ANNOUNCE_")) {
                announces.put(r, Counter.builder("olympus.router.topology.announces").tag("reason", r.name()).register(meters));
            }
        }
        Gauge.builder("olympus.router.topology.epoch", state, s -> s.view().topology().epoch()).register(meters);
        Options o = olympus.nats.NatsClient.options(cfg.url(), cfg.user(), cfg.password(), "session-router-" + router.region(),
                olympus.tls.TlsFiles.from(k -> env.getProperty(k, String.class).orElse(null))).build();
        this.nc = Nats.connectReconnectOnConnect(o);
        Dispatcher d = nc.createDispatcher();
        d.subscribe("olympus.lag.*.sample", this::onSample);
        d.subscribe(Naming.TOPOLOGY_ANNOUNCE, this::onAnnounce);
        this.control = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "router-control-feed");
            t.setDaemon(true);
            return t;
        });
        control.scheduleWithFixedDelay(this::controlTick, 0, cfg.watchRetry().toMillis(), TimeUnit.MILLISECONDS);
    }

    void onSample(Message m) {
        ReplicaLagSampled s;
        try {
            s = codec.decode(m.getData(), ReplicaLagSampled.class);
        } catch (WireException e) {
            samplesRejected.increment();
            LOG.warn("lag sample on {} rejected: {}", m.getSubject(), e.getMessage());
            return;
        } catch (RuntimeException e) {
            samplesRejected.increment();
            LOG.warn("lag sample on {} rejected: {}", m.getSubject(), e.toString());
            return;
        }
        offer(s);
    }

    private void offer(ReplicaLagSampled s) {
        Long replay = s.replayLsn() == null ? null : Lsn.parse(s.replayLsn());
        ReplicaLag lag = new ReplicaLag(s.replica(), s.primary(), s.epoch(), replay, s.state(), s.occurredAt());
        RoutingState.Update u = state.offer(lag, clock.instant());
        if (u == RoutingState.Update.APPLIED) {
            samplesApplied.increment();
        } else {
            samplesIgnored.increment();
            if (u == RoutingState.Update.FROM_THE_FUTURE) {
                LOG.warn("lag sample of {} from {} refused: stamped {}, more than {} ahead of this router's clock (a host's clock is off, or a forged sample)",
                        s.replica(), s.originRegion(), s.occurredAt(), RoutingState.MAX_SAMPLE_AHEAD);
            }
        }
    }

    /**
     * An announce is a hint, never the topology itself (TopologyFeed): one that says something
     * new makes the control thread read the KV now. Reads are coalesced, so a flood of announces
     * costs at most one KV read in flight.
     */
    void onAnnounce(Message m) {
        TopologyFeed.Decision d;
        try {
            d = state.announced(Topology.from(ClusterTopology.fromJson(m.getData()), state.regions()));
        } catch (RuntimeException e) {
            topologyRejected.increment();
            LOG.warn("topology announce rejected: {}", e.getMessage());
            return;
        }
        announces.get(d.reason()).increment();
        if (d.action() == TopologyFeed.Action.READ_KV && readRequested.compareAndSet(false, true)) {
            LOG.debug("{}", d.detail());
            try {
                control.execute(() -> {
                    readRequested.set(false);
                    readTopologyNow();
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                readRequested.set(false);
            }
        }
    }

    private void readTopologyNow() {
        try {
            KeyValueEntry e = nc.keyValue(Naming.CONTROL_BUCKET, CONTROL).get(ClusterTopology.KEY);
            if (e != null && e.getValue() != null) {
                applyTopology(ClusterTopology.fromJson(e.getValue()), e.getRevision(), "kv after announce");
                lastTopologyRead = clock.instant();
            }
        } catch (Exception ex) {
            LOG.debug("KV read after an announce failed ({}); the next poll retries", ex.toString());
        }
    }

    private void applyTopology(ClusterTopology t, long revision, String source) {
        Topology before = state.view().topology();
        Topology next = Topology.from(t, state.regions());
        if (state.offer(next, revision).action() == TopologyFeed.Action.APPLY && (before.epoch() != next.epoch()
                || !before.primary().equals(next.primary()) || before.writesPausedFlag() != next.writesPausedFlag())) {
            LOG.info("topology from {}: primary {} epoch {} writes {} replicas {} (was primary {} epoch {})", source,
                    next.primary(), next.epoch(), next.writesPausedFlag() ? "PAUSED" : "OPEN", next.replicas(),
                    before.primary(), before.epoch());
        }
    }

    /** Poll the topology, (re)create the watch, warm the lag view: whatever is missing. */
    private void controlTick() {
        try {
            KeyValue kv = nc.keyValue(Naming.CONTROL_BUCKET, CONTROL);
            KeyValueEntry e = kv.get(ClusterTopology.KEY);
            if (e != null && e.getValue() != null) {
                applyTopology(ClusterTopology.fromJson(e.getValue()), e.getRevision(), "kv");
            }
            lastTopologyRead = clock.instant();
            if (watch == null) {
                watch = kv.watch(ClusterTopology.KEY, new KeyValueWatcher() {
                    @Override
                    public void watch(KeyValueEntry entry) {
                        if (entry.getOperation() == KeyValueOperation.PUT && entry.getValue() != null) {
                            try {
                                applyTopology(ClusterTopology.fromJson(entry.getValue()), entry.getRevision(), "watch");
                                lastTopologyRead = clock.instant();
                            } catch (RuntimeException ex) {
                                topologyRejected.increment();
                                LOG.warn("topology value rejected: {}", ex.getMessage());
                            }
                        }
                    }

                    @Override
                    public void endOfData() {
                    }
                });
            }
            if (!lagWarmed) {
                KeyValue lagKv = nc.keyValue(Naming.LAG_BUCKET, CONTROL);
                for (String region : router.regions()) {
                    KeyValueEntry le = lagKv.get(region);
                    if (le != null && le.getValue() != null) {
                        try {
                            offer(codec.decode(le.getValue(), ReplicaLagSampled.class));
                        } catch (RuntimeException ex) {
                            samplesRejected.increment();
                            LOG.warn("lag bucket value for {} rejected: {}", region, ex.getMessage());
                        }
                    }
                }
                lagWarmed = true;
            }
            if (lastControlError != null) {
                LOG.info("control domain reachable again");
            }
            lastControlError = null;
        } catch (Exception e) {
            if (lastControlError == null) {
                LOG.warn("control domain unreachable ({}): keeping topology epoch {} (primary {})", e.toString(),
                        state.view().topology().epoch(), state.view().topology().primary());
            }
            lastControlError = e.toString();
            NatsKeyValueWatchSubscription w = watch;
            watch = null;
            if (w != null) {
                try {
                    w.unsubscribe();
                } catch (RuntimeException ignored) {
                    // the subscription is gone with the connection's interest; a new one is made next tick
                }
            }
        }
    }

    public boolean connected() {
        return nc.getStatus() == Connection.Status.CONNECTED;
    }

    public Instant lastTopologyRead() {
        return lastTopologyRead;
    }

    public String lastControlError() {
        return lastControlError;
    }

    public List<String> regions() {
        return router.regions();
    }

    @PreDestroy
    void close() throws InterruptedException {
        control.shutdownNow();
        nc.close();
    }
}
