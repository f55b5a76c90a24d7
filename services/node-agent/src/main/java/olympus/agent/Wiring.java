package olympus.agent;

import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import olympus.agent.app.Agent;
import olympus.agent.config.AgentConfiguration;
import olympus.agent.config.Credentials;
import olympus.agent.config.NatsConfiguration;
import olympus.agent.core.FenceTiming;
import olympus.agent.host.PostgresHost;
import olympus.agent.host.TokenStore;
import olympus.agent.nats.AgentListener;
import olympus.agent.nats.ControlWatch;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/** Builds the agent from configuration; refuses to start on settings that make the self-fence unsafe. */
@Factory
public class Wiring {
    private static final Logger LOG = LoggerFactory.getLogger(Wiring.class);

    @Singleton
    Connection nats(NatsConfiguration c, AgentConfiguration a, io.micronaut.context.env.Environment env)
            throws IOException, InterruptedException {
        return Nats.connect(olympus.nats.NatsClient.options(c.url(), c.user(), c.password(), "node-agent-" + a.region(),
                olympus.tls.TlsFiles.from(k -> env.getProperty(k, String.class).orElse(null))).build());
    }

    @Singleton
    Agent agent(AgentConfiguration a, Credentials creds, NatsConfiguration n, Connection nc, MeterRegistry metrics,
                io.micronaut.context.env.Environment env) {
        List<String> bad = FenceTiming.violations(a.fenceAfter(), a.heartbeatEvery(), n.requestTimeout(), a.fenceActionTimeout(),
                a.maxClockSkew(), a.failoverFenceGrace());
        if (a.selfFence() && !bad.isEmpty()) {
            throw new IllegalStateException("unsafe self-fence settings, not starting: " + String.join("; ", bad));
        }
        PostgresHost host = new PostgresHost(a, creds, a.fenceActionTimeout().multipliedBy(2),
                olympus.tls.TlsFiles.from(k -> env.getProperty(k, String.class).orElse(null)));
        // In the background: the agent must serve (and fence) whether or not PgBouncer is up.
        Thread console = new Thread(() -> {
            try {
                LOG.info("{}", host.checkConsole(Duration.ofSeconds(60)));
            } catch (RuntimeException e) {
                LOG.warn("{}; PAUSE, RESUME and REPOINT will fail until it does: check PgBouncer, PGBOUNCER_ADMIN_USER/PASSWORD "
                        + "and its TLS files", e.getMessage());
            }
        }, "pgbouncer-console-check");
        console.setDaemon(true);
        console.start();
        String id = "node-agent-" + a.region() + "-" + UUID.randomUUID().toString().substring(0, 8);
        return new Agent(id, host, new TokenStore(Path.of(a.stateDir())), new ControlWatch(nc, a.region(), n.requestTimeout()),
                new Agent.Timing(a.selfFence(), a.fenceAfter(), a.heartbeatEvery(), a.fenceActionTimeout()),
                new Agent.Bootstrapping("clone".equals(a.bootstrap()), a.cloneTimeout()), metrics);
    }

    @Singleton
    AgentListener listener(Connection nc, Agent agent, AgentConfiguration a) {
        return new AgentListener(nc, agent, a.region());
    }

    /** Starts the agent once the context is up, and stops it in reverse order. */
    @Context
    @Singleton
    static final class Lifecycle {
        private final Agent agent;
        private final AgentListener listener;
        private final Connection nc;

        Lifecycle(Agent agent, AgentListener listener, Connection nc) {
            this.agent = agent;
            this.listener = listener;
            this.nc = nc;
            agent.start();
            listener.start();
        }

        @PreDestroy
        void stop() throws InterruptedException {
            listener.close();
            agent.close();
            nc.close();
        }
    }
}
