package olympus.revocation;

import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Context;
import io.micronaut.http.netty.channel.EventLoopGroupRegistry;
import io.nats.client.Connection;
import io.nats.client.JetStreamOptions;
import io.nats.client.Nats;
import io.nats.client.Options;
import jakarta.annotation.PreDestroy;
import olympus.redis.LoopAffineReaders;
import olympus.redis.RedisClients;
import olympus.revocation.config.RevocationConfiguration;
import olympus.revocation.core.ApplyPlanner;
import olympus.revocation.core.Ingest;
import olympus.revocation.http.CaepSet;
import olympus.revocation.nats.ApplyWorker;
import olympus.revocation.nats.BatchApplier;
import olympus.revocation.nats.DeadLetters;
import olympus.revocation.nats.ExpressFanout;
import olympus.revocation.nats.IngestListener;
import olympus.revocation.nats.OriginPublisher;
import olympus.revocation.nats.Rebuilder;
import olympus.revocation.redis.RedisDenylist;
import olympus.wire.EventCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Owns the service's connections and threads: built eagerly at start-up so a misconfigured
 * instance fails at once rather than on its first request, and closed in reverse order.
 */
@Context
public final class RevocationBus implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RevocationBus.class);
    /** Payload limit of one origin message: well under the servers' max_payload (1 MB). */
    static final int PUBLISH_MAX_BYTES = 256 * 1024;

    private final RevocationConfiguration config;
    private final CaepSet caep;
    private final Connection nc;
    private final RedisDenylist redis;
    private final Metrics metrics;
    private final RevocationService service;
    private final ApplyWorker worker;
    private final Rebuilder rebuilder;
    private final IngestListener listener;
    private final ScheduledExecutorService poller;
    private final ScheduledExecutorService lingerTimer;
    private volatile long lastPendingPollOk;

    public RevocationBus(RevocationConfiguration config, MeterRegistry registry, EventLoopGroupRegistry loops,
                         io.micronaut.context.env.Environment env) throws Exception {
        this.config = config;
        Clock clock = Clock.systemUTC();
        // First, before any connection: a SET verifier that cannot verify safely (short HS256
        // key, no issuer or audience) stops the start-up with its reason.
        this.caep = CaepSet.of(config, clock);
        EventCodec codec = new EventCodec();
        this.metrics = new Metrics(registry, config.region());
        // Reconnects forever: the durable consumer resumes where it stopped, nothing is lost.
        olympus.tls.TlsFiles tls = olympus.tls.TlsFiles.from(k -> env.getProperty(k, String.class).orElse(null));
        this.nc = Nats.connect(olympus.nats.NatsClient.options(config.natsUrl(), config.natsUser(), config.natsPassword(),
                "revocation-bus-" + config.region(), tls).build());
        RedisClients.Endpoint redisAt = new RedisClients.Endpoint(config.redisUri(), config.redisUser(), config.redisPassword(), tls);
        this.redis = new RedisDenylist(redisAt, config.redisTimeout(), checkReaders(config, redisAt, loops));
        this.lingerTimer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "revocation-linger");
            t.setDaemon(true);
            return t;
        });
        OriginPublisher publisher = new OriginPublisher(nc, codec, config.region(), config.publishTimeout(),
                config.publishInFlight(), config.publishLinger(), config.maxBatchEvents(), PUBLISH_MAX_BYTES,
                metrics.originMessages()::record, lingerTimer,
                config.express() ? new ExpressFanout(nc, config.region(), PUBLISH_MAX_BYTES, metrics::expressNotSent)::send : null);
        this.service = new RevocationService(new Ingest(config.region(), config.defaultKeepFor()), publisher, redis,
                metrics, clock);
        // Every JetStream call names this region's domain, and the durable is named after the
        // region: with one name in every domain, acks ($JS.ACK.<stream>.<consumer>.…) sent in one
        // region leaked over the leaf nodes and acked another region's unapplied messages
        // (found by CrashIT: a killed region lost 400 revocations to another region's acks).
        JetStreamOptions jso = JetStreamOptions.builder().domain(config.region()).requestTimeout(Duration.ofSeconds(5)).build();
        String consumer = config.consumerName() + "-" + config.region();
        DeadLetters deadLetters = new DeadLetters(nc, jso, config.region());
        BatchApplier applier = new BatchApplier(new ApplyPlanner(codec), redis, deadLetters, metrics, clock);
        this.worker = new ApplyWorker(nc, jso, applier, metrics, consumer, config.applyBatchMax());
        this.rebuilder = new Rebuilder(nc, jso, redis, applier, metrics, config.rebuildCheckInterval(), config.rebuildLease(),
                () -> worker.info().getAckFloor().getStreamSequence(), config.completenessCheckInterval());
        this.listener = new IngestListener(nc, service, config.region(), config.maxBatchEvents(), metrics.ingestServed("nats"));
        worker.start(config.maxAckPending(), config.ackWait(), config.express());
        rebuilder.start();
        listener.start();
        this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "revocation-pending-poll");
            t.setDaemon(true);
            return t;
        });
        poller.scheduleWithFixedDelay(this::pollPending, 0, 2, TimeUnit.SECONDS);
        LOG.info("revocation-bus up in {}: NATS {}, Redis {}, ingest subject {}", config.region(), config.natsUrl(),
                redisAt, listener.subject());
    }

    private void pollPending() {
        try {
            worker.info();
            lastPendingPollOk = System.currentTimeMillis();
        } catch (Exception e) {
            metrics.consumerPending(-1, -1);
        }
    }

    public RevocationConfiguration config() {
        return config;
    }

    /** The CAEP SET verifier, or null when SET intake is disabled. */
    public CaepSet caep() {
        return caep;
    }

    public RevocationService service() {
        return service;
    }

    public RedisDenylist redis() {
        return redis;
    }

    public Connection nats() {
        return nc;
    }

    public Metrics metrics() {
        return metrics;
    }

    public Rebuilder rebuilder() {
        return rebuilder;
    }

    public boolean consumerInfoFresh() {
        return System.currentTimeMillis() - lastPendingPollOk < 10_000;
    }

    @PreDestroy
    @Override
    public void close() {
        poller.shutdownNow();
        listener.close();
        lingerTimer.shutdown();
        rebuilder.close();
        worker.close();
        try {
            nc.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        redis.close();
    }

    private static LoopAffineReaders checkReaders(RevocationConfiguration config, RedisClients.Endpoint redisAt, EventLoopGroupRegistry loops) {
        try {
            return new LoopAffineReaders(loops.getDefaultEventLoopGroup(), redisAt, config.redisTimeout());
        } catch (RuntimeException e) {
            // Redis down at start, say: checks share the main connection until a restart.
            LOG.warn("check connections on the server loops not available ({}): checks share one connection", e.toString());
            return null;
        }
    }
}
