package olympus.lag.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Context;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import olympus.lag.config.LagMonitorConfiguration;
import olympus.lag.core.Assessment;
import olympus.lag.core.CheckResult;
import olympus.lag.core.DurationText;
import olympus.lag.core.HeartbeatLease;
import olympus.lag.core.LagAssessor;
import olympus.lag.core.LagCheck;
import olympus.lag.core.LagMeasure;
import olympus.lag.core.LagSample;
import olympus.lag.core.LagState;
import olympus.lag.core.PrimaryObservation;
import olympus.lag.core.Reason;
import olympus.lag.core.ReplicaObservation;
import olympus.lag.core.Thresholds;
import olympus.lag.db.PgEndpoints;
import olympus.lag.db.PrimaryProbe;
import olympus.lag.db.ReplicaProbe;
import olympus.lag.nats.LagPublisher;
import olympus.lag.nats.RemoteSamplesListener;
import olympus.lag.nats.TopologyFollower;
import olympus.wire.ClusterTopology;
import olympus.wire.EventCodec;
import olympus.wire.ReplicaLagSampled;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The monitor: one sampling thread owns the probes and the assessment state; each cycle takes
 * an immutable observation of replica and primary, hands it to the pure {@link LagMeasure} and
 * {@link LagAssessor}, then publishes. Readers (HTTP, metrics) see the last verdict through
 * {@link LagAssessor#asOf}, so a stuck cycle reads STALE rather than the last good figure.
 */
@Context
public class LagMonitor implements RemoteLag {
    private static final Logger LOG = LoggerFactory.getLogger(LagMonitor.class);

    private final LagMonitorConfiguration cfg;
    private final Clock clock;
    private final LagMetrics metrics;
    private final Thresholds thresholds;
    private final Map<String, Double> apps;
    private final String writerId;
    private final List<String> regions;
    private final long intervalMs;

    private final Map<String, Assessment> own = new ConcurrentHashMap<>();
    private final Map<String, LagSample> ownSamples = new ConcurrentHashMap<>();
    private final Map<String, RemoteEntry> remote = new ConcurrentHashMap<>();

    private ScheduledExecutorService sampler;
    private ScheduledExecutorService topologyThread;
    private Connection nc;
    private TopologyFollower topology;
    private LagPublisher publisher;
    private RemoteSamplesListener remoteListener;
    private ReplicaProbe replicaProbe;
    private PrimaryProbe primaryProbe;
    private volatile long cycles;
    /** The host's TLS files (null: plain), read at construction. */
    private final olympus.tls.TlsFiles tls;

    private record RemoteEntry(ReplicaLagSampled sample, Instant receivedAt) {}

    public LagMonitor(LagMonitorConfiguration cfg, MeterRegistry registry, io.micronaut.context.env.Environment env) {
        this.cfg = cfg;
        this.tls = olympus.tls.TlsFiles.from(k -> env.getProperty(k, String.class).orElse(null));
        this.clock = Clock.systemUTC();
        this.metrics = new LagMetrics(registry);
        long interval = cfg.interval().toMillis();
        this.intervalMs = interval;
        // Writer gap: the holder refreshes every interval; a heartbeat older than 1.5 intervals
        // means it is stalled, gone or changing hands, and its age then measures the writer, not
        // the replica. Tighter would misread ordinary jitter; looser lets a stalled writer's
        // gap leak into the figure (up to this long).
        this.thresholds = new Thresholds(cfg.lagThreshold().toMillis(), cfg.consecutiveBreaches(),
                interval * cfg.staleAfterIntervals(), Math.max(interval * 3 / 2, 150));
        this.apps = DurationText.apps(cfg.apps());
        this.writerId = "lag-monitor@" + cfg.region() + "/" + UUID.randomUUID().toString().substring(0, 8);
        this.regions = PgEndpoints.parse(cfg.postgresEndpoints()).hostPorts().keySet().stream().toList();
    }

    @PostConstruct
    void start() throws InterruptedException, java.io.IOException {
        PgEndpoints endpoints = PgEndpoints.parse(cfg.postgresEndpoints()).withTls(tls);
        int timeout = (int) Math.max(1, (cfg.queryTimeout().toMillis() + 999) / 1000);
        replicaProbe = new ReplicaProbe(endpoints, cfg.region(), cfg.postgresDatabase(), cfg.postgresUser(),
                cfg.postgresPassword(), timeout);
        primaryProbe = new PrimaryProbe(endpoints, cfg.postgresDatabase(), cfg.postgresUser(), cfg.postgresPassword(), timeout);
        Options options = olympus.nats.NatsClient.options(cfg.natsUrl(), cfg.natsUser(), cfg.natsPassword(), "lag-monitor-" + cfg.region(), tls)
                .connectionTimeout(Duration.ofSeconds(2)).build();
        // Start even when NATS is down: measuring and the check API do not need it.
        nc = Nats.connectReconnectOnConnect(options);
        try {
            Duration natsTimeout = Duration.ofSeconds(2);
            topology = new TopologyFollower(nc, cfg.primaryRegion(), regions.isEmpty() ? List.of(cfg.primaryRegion()) : regions, natsTimeout);
            publisher = new LagPublisher(nc, cfg.region(), natsTimeout, (kind, result) -> metrics.count("olympus_lag_published_total", "kind", kind, "result", result));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot set up NATS clients: " + e.getMessage(), e);
        }
        remoteListener = new RemoteSamplesListener(nc, this, cfg.region(), regions);
        metrics.queries("primary", primaryProbe, PrimaryProbe::queries);
        metrics.queries("replica", replicaProbe, ReplicaProbe::queries);
        // One synchronous read first, so the first samples carry the real epoch and primary
        // (if the control KV is unreachable, the bootstrap primary with epoch 0 says so).
        topology.poll();
        topologyThread = Executors.newSingleThreadScheduledExecutor(daemon("lag-topology"));
        topologyThread.scheduleWithFixedDelay(topology::poll, 0, cfg.topologyPoll().toMillis(), TimeUnit.MILLISECONDS);
        sampler = Executors.newSingleThreadScheduledExecutor(daemon("lag-sampler"));
        sampler.scheduleAtFixedRate(this::cycleQuietly, 0, cfg.interval().toMillis(), TimeUnit.MILLISECONDS);
        LOG.info("lag-monitor {} started: interval {}, threshold {}, {} breaches, stale after {} ms, writer id {}",
                cfg.region(), cfg.interval(), cfg.lagThreshold(), cfg.consecutiveBreaches(), thresholds.staleAfterMs(), writerId);
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    private void cycleQuietly() {
        try {
            cycle();
        } catch (RuntimeException e) {
            // The schedule must survive anything: a dead sampler would freeze the last verdict
            // (readers would see it go STALE, which is right, but it would never come back).
            metrics.count("olympus_lag_cycle_errors_total");
            LOG.error("sampling cycle failed", e);
        }
    }

    /** One sampling cycle; runs on the sampler thread only. */
    void cycle() {
        ClusterTopology topo = topology.current();
        String primary = topo.primary();
        long epoch = topo.epoch();
        String replica = cfg.region().equals(primary) ? null : cfg.region();

        if (replica != null) {
            replicaProbe.ensureConnected();
        }
        Instant observedAt = clock.instant();
        ReplicaObservation r = replica == null ? null : replicaProbe.observe();
        Instant pStart = clock.instant();
        // Sample and heartbeat write in one statement (one round trip to the primary per cycle).
        PrimaryObservation p = primaryProbe.observe(primary, replica, replica == null ? null : slotName(replica),
                writerId, epoch, cfg.lease());
        Instant pEnd = clock.instant();
        cycles++;

        countHeartbeat(p, primary, epoch);
        long took = Duration.between(observedAt, pEnd).toMillis();
        metrics.cycle(took);
        if (took > intervalMs) {
            // Slow cycles are what turns a healthy replica STALE; say where the time went.
            LOG.warn("slow cycle: {} ms (replica query {} ms, primary query with heartbeat {} ms)", took,
                    Duration.between(observedAt, pStart).toMillis(), Duration.between(pStart, pEnd).toMillis());
        }
        if (replica == null) {
            return;
        }
        Instant mid = pStart.plus(Duration.between(pStart, pEnd).dividedBy(2));
        LagSample sample = LagMeasure.measure(replica, primary, epoch, r, p, observedAt, mid, took, thresholds);
        Assessment before = own.get(replica);
        Assessment after = LagAssessor.assess(before, sample, clock.instant(), thresholds);
        ownSamples.put(replica, sample);
        own.put(replica, after);
        metrics.replica(replica, this::ownAsOf, ownSamples::get);
        metrics.count("olympus_lag_samples_total", "replica", replica, "outcome",
                sample.usable() ? "ok" : sample.failure().code());
        metrics.count("olympus_lag_assessments_total", "replica", replica, "state", after.state().name(), "reason", after.reason().code());

        ReplicaLagSampled event = toWire(sample, after);
        publisher.offerSample(event);
        if (after.changedFrom(before) && !(before == null && after.state() == LagState.UNKNOWN)) {
            LOG.info("replica {}: {} -> {} ({}: {})", replica, before == null ? "-" : before.state(), after.state(),
                    after.reason().code(), after.detail());
            metrics.count("olympus_lag_state_changes_total", "replica", replica, "to", after.state().name(), "reason", after.reason().code());
            publisher.offerStateChange(toWire(sample, after));
        }
    }

    /** Counts (and logs taking) the heartbeat write that went with the primary's sampling statement. */
    private void countHeartbeat(PrimaryObservation p, String primary, long epoch) {
        if (!primaryProbe.heartbeatAttempted() || p.inRecovery()) {
            return;
        }
        if (!p.ok()) {
            metrics.count("olympus_lag_heartbeat_writes_total", "result", "error");
            return;
        }
        Long seq = primaryProbe.heartbeatSeq();
        if (seq != null) {
            metrics.count("olympus_lag_heartbeat_writes_total", "result", "written");
            if (!writerId.equals(p.heartbeatWriter())) {
                LOG.info("took the heartbeat lease on primary {} (epoch {}), previous writer {}", primary, epoch, p.heartbeatWriter());
            }
        } else if (HeartbeatLease.shouldAttempt(writerId, epoch, p.heartbeatWriter(), p.heartbeatEpoch(), p.leaseUntil(), p.primaryNow())) {
            // The row as sampled said we could write, the atomic re-check said no: another
            // monitor took the lease in between. (While its lease is live, nothing is counted.)
            metrics.count("olympus_lag_heartbeat_writes_total", "result", "lease_held_elsewhere");
        }
    }

    String slotName(String region) {
        return cfg.slotPrefix() + region.replace('-', '_');
    }

    private ReplicaLagSampled toWire(LagSample s, Assessment a) {
        String reason = a.reason().code() + ": " + a.detail();
        if (reason.length() > 500) {
            reason = reason.substring(0, 500);
        }
        return new ReplicaLagSampled(EventCodec.newEventId(), EventCodec.SCHEMA_VERSION, cfg.region(), s.observedAt(),
                s.replica(), s.primary(), s.epoch(), s.lagMs(), s.writeLagMs(), s.flushLagMs(), s.replayLagMs(),
                s.byteLag(), s.receiveLsn(), s.replayLsn(), s.replayPaused(), blankToNull(s.walStatus()),
                s.safeWalSizeBytes(), a.state().wire(), reason);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    // ---------------------------------------------------------------- readers

    Assessment ownAsOf(String replica) {
        return LagAssessor.asOf(own.get(replica), clock.instant(), thresholds);
    }

    /** The verdict on {@code replica} as of now: this instance's own, or the latest heard from its monitor. */
    public Assessment current(String replica) {
        Assessment mine = own.get(replica);
        if (mine != null) {
            return LagAssessor.asOf(mine, clock.instant(), thresholds);
        }
        RemoteEntry e = remote.get(replica);
        if (e == null) {
            return null;
        }
        ReplicaLagSampled s = e.sample();
        String[] codeAndDetail = s.reason() == null ? new String[] {"", ""} : s.reason().split(": ", 2);
        Reason reason = parseReason(codeAndDetail[0], s.state());
        String detail = (codeAndDetail.length > 1 ? codeAndDetail[1] : s.reason()) + " (from the " + s.originRegion() + " monitor)";
        // Freshness on this host's clock (when we heard it), never the sender's occurredAt.
        Assessment a = new Assessment(replica, LagState.valueOf(s.state()), reason, detail, 0, s.heartbeatLagMs(), e.receivedAt());
        return LagAssessor.asOf(a, clock.instant(), thresholds);
    }

    public LagSample ownSample(String replica) {
        return ownSamples.get(replica);
    }

    public ReplicaLagSampled remoteSample(String replica) {
        RemoteEntry e = remote.get(replica);
        return e == null ? null : e.sample();
    }

    private static Reason parseReason(String code, String state) {
        try {
            return Reason.valueOf(code.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return "OK".equals(state) ? Reason.WITHIN_THRESHOLD : Reason.OVER_THRESHOLD;
        }
    }

    /** The check API's decision; {@code replica} null means this instance's own region. */
    public CheckResult check(String replica, Double maxMs) {
        CheckResult r = LagCheck.check(current(replica), maxMs);
        metrics.count("olympus_lag_checks_total", "result", r.allowed() ? "allowed" : "refused", "reason", r.reason().code());
        return r;
    }

    public Double appMaxMs(String app) {
        return apps.get(app);
    }

    public Map<String, Double> apps() {
        return apps;
    }

    public String region() {
        return cfg.region();
    }

    public ClusterTopology topology() {
        return topology.current();
    }

    public Thresholds thresholds() {
        return thresholds;
    }

    public java.util.Set<String> knownReplicas() {
        java.util.Set<String> all = new java.util.TreeSet<>(own.keySet());
        all.addAll(remote.keySet());
        return all;
    }

    public String writerId() {
        return writerId;
    }

    /** Statements this instance sent to the primary and to its replica (for the benchmark's queries/s). */
    public long primaryQueries() {
        return primaryProbe.queries();
    }

    public long replicaQueries() {
        return replicaProbe.queries();
    }

    public long cycles() {
        return cycles;
    }

    public int pendingStateChanges() {
        return publisher.pendingStateChanges();
    }

    @Override
    public void onRemoteSample(ReplicaLagSampled sample, String fromRegion) {
        if (sample.replica().equals(cfg.region()) && own.containsKey(sample.replica())) {
            return;
        }
        remote.put(sample.replica(), new RemoteEntry(sample, clock.instant()));
    }

    @Override
    public void onRejected(String rejection) {
        metrics.count("olympus_lag_remote_rejected_total", "rejection", rejection);
    }

    @PreDestroy
    void stop() {
        if (sampler != null) {
            sampler.shutdownNow();
            topologyThread.shutdownNow();
            try {
                sampler.awaitTermination(3, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (remoteListener != null) {
            remoteListener.close();
        }
        if (publisher != null) {
            publisher.close();
        }
        if (nc != null) {
            try {
                nc.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (replicaProbe != null) {
            replicaProbe.close();
            primaryProbe.close();
        }
    }
}
