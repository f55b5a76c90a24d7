package olympus.failover;

import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import olympus.failover.app.Coordinator;
import olympus.failover.app.Leadership;
import olympus.failover.config.FailoverConfiguration;
import olympus.failover.config.NatsConfiguration;
import olympus.failover.core.NodeAgent;
import olympus.failover.core.Preflight;
import olympus.failover.db.AuditRepository;
import olympus.failover.db.AuditSchema;
import olympus.failover.nats.CommandListener;
import olympus.failover.nats.ControlKv;
import olympus.failover.nats.NatsAudit;
import olympus.failover.node.RemoteNodeAgent;
import olympus.wire.FencingToken;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/** Builds the adapters and the coordinator from configuration. */
@Factory
public class Wiring {
    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }

    @Singleton
    Connection nats(NatsConfiguration c, FailoverConfiguration f, io.micronaut.context.env.Environment env)
            throws IOException, InterruptedException {
        return Nats.connect(olympus.nats.NatsClient.options(c.url(), c.user(), c.password(), "failover-coordinator-" + f.region(),
                olympus.tls.TlsFiles.from(k -> env.getProperty(k, String.class).orElse(null))).build());
    }

    @Singleton
    ControlKv controlKv(Connection nc, NatsConfiguration c) {
        return new ControlKv(nc, c.requestTimeout());
    }

    /** Every region's host, this one's too, through its node agent: this process touches no database itself. */
    @Singleton
    NodeAgent nodeAgent(Connection nc, ControlKv kv, Leadership leadership, FailoverConfiguration f) {
        return new RemoteNodeAgent(nc, () -> new FencingToken(leadership.term(), kv.highestEpoch(), leadership.id()), f.agentTimeout());
    }

    @Singleton
    NatsAudit audit(Connection nc, FailoverConfiguration f, AuditRepository repo, AuditSchema schema, MeterRegistry metrics) {
        return new NatsAudit(nc, f.region(), repo, schema, metrics);
    }

    @Singleton
    Leadership leadership(ControlKv kv, FailoverConfiguration f, Clock clock, MeterRegistry metrics) {
        String id = "coordinator-" + f.region() + "-" + UUID.randomUUID().toString().substring(0, 8);
        return new Leadership(kv, id, f.region(), f.leaseTtl().toMillis(), f.leaseSafety().toMillis(), clock, metrics);
    }

    @Singleton
    Coordinator coordinator(FailoverConfiguration f, ControlKv kv, NodeAgent agent, Leadership leadership, NatsAudit audit,
                            Connection nc, Clock clock, MeterRegistry metrics) {
        List<String> regions = f.regions();
        Coordinator.Settings s = new Coordinator.Settings(f.region(), regions,
                new Preflight.Limits(f.maxLagBytes(), f.observerQuorum(), f.observationMaxAge().toMillis(), f.fenceGrace().toMillis(),
                        f.maxClockSkew().toMillis()),
                f.pauseTimeout(), f.catchUpTimeout(), f.promoteTimeout(), f.observeInterval(),
                f.autoFailover(), f.autoFailoverAfter());
        return new Coordinator(s, kv, agent, leadership, audit, nc, clock, metrics);
    }

    @Singleton
    CommandListener listener(Connection nc, Coordinator coordinator, FailoverConfiguration f, Clock clock, MeterRegistry metrics) {
        return new CommandListener(nc, coordinator, f.regions(), clock, metrics);
    }

    /** Starts everything once the context is up, and stops it in reverse order. */
    @Context
    @Singleton
    static final class Lifecycle {
        private final Leadership leadership;
        private final Coordinator coordinator;
        private final CommandListener listener;
        private final NatsAudit audit;
        private final Connection nc;

        Lifecycle(Leadership leadership, Coordinator coordinator, CommandListener listener, NatsAudit audit, Connection nc) {
            this.leadership = leadership;
            this.coordinator = coordinator;
            this.listener = listener;
            this.audit = audit;
            this.nc = nc;
            leadership.start();
            coordinator.start();
            listener.start();
            audit.startProjector();
        }

        @PreDestroy
        void stop() throws InterruptedException {
            // Stop acting first: a command cut short here must leave its operation recorded for
            // the next leader, not run the rest of a rollback on a closing connection (which once
            // cleared the operation key after its other steps had failed).
            leadership.resign();
            listener.close();
            coordinator.close();
            leadership.close();
            audit.close();
            nc.close();
        }
    }
}
