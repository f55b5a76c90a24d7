package olympus.agent.nats;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import olympus.agent.app.Agent;
import olympus.wire.AgentCall;
import olympus.wire.AgentReply;
import olympus.wire.Naming;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Takes requests on this region's agent subject. NATS permissions decide who may send them (the
 * coordinators) and who may take them (this region's agent only). A bad request gets a REFUSED
 * reply naming what is wrong, never silence; a status probe never waits behind a long action.
 */
public final class AgentListener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AgentListener.class);
    private final Connection nc;
    private final Agent agent;
    private final String subject;
    private final ExecutorService actions = Executors.newSingleThreadExecutor(r -> daemon(r, "agent-actions"));
    private final ExecutorService probes = Executors.newFixedThreadPool(2, r -> daemon(r, "agent-probes"));
    private Dispatcher dispatcher;

    public AgentListener(Connection nc, Agent agent, String region) {
        this.nc = nc;
        this.agent = agent;
        this.subject = Naming.agentSubject(region);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    public void start() {
        dispatcher = nc.createDispatcher(this::onMessage);
        dispatcher.subscribe(subject);
        LOG.info("taking requests on {}", subject);
    }

    void onMessage(Message m) {
        if (m.getReplyTo() == null) {
            LOG.warn("request on {} without a reply subject dropped: nobody would learn its outcome", m.getSubject());
            return;
        }
        AgentCall call;
        try {
            call = AgentCall.parse(m.getData());
        } catch (AgentCall.BadRequest e) {
            LOG.warn("refused a bad request on {}: {}", m.getSubject(), e.getMessage());
            nc.publish(m.getReplyTo(), AgentReply.refused(AgentReply.BAD_REQUEST, e.getMessage(), null).toJson());
            return;
        }
        (call.operation().mutating() ? actions : probes).execute(() -> nc.publish(m.getReplyTo(), agent.handle(call).toJson()));
    }

    @Override
    public void close() {
        if (dispatcher != null) {
            nc.closeDispatcher(dispatcher);
        }
        actions.shutdownNow();
        probes.shutdownNow();
    }
}
