package olympus.failover.node;

import io.nats.client.Connection;
import io.nats.client.Message;
import olympus.failover.core.NodeAgent;
import olympus.failover.core.NodeStatus;
import olympus.wire.AgentCall;
import olympus.wire.AgentCall.Op;
import olympus.wire.AgentReply;
import olympus.wire.FencingToken;
import olympus.wire.Naming;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * {@link NodeAgent} over NATS request/reply to each region's node agent, the only process that
 * touches that host's PostgreSQL and PgBouncer. This coordinator holds no database password.
 * Every mutating request carries the leader's fencing token (lease term, highest epoch seen);
 * the agent refuses one older than the newest it has acted on, and that refusal fails the step.
 */
public final class RemoteNodeAgent implements NodeAgent {
    private final Connection nc;
    private final Supplier<FencingToken> token;
    private final Duration probeTimeout;
    /** Added to an action's own timeout for the round trip and the agent's queue. */
    private static final Duration MARGIN = Duration.ofSeconds(5);
    private static final Duration QUICK = Duration.ofSeconds(10);

    public RemoteNodeAgent(Connection nc, Supplier<FencingToken> token, Duration probeTimeout) {
        this.nc = nc;
        this.token = token;
        this.probeTimeout = probeTimeout;
    }

    private AgentReply call(String region, AgentCall c, Duration wait) {
        Message m;
        try {
            m = nc.request(Naming.agentSubject(region), c.toJson(), wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for " + region + "'s node agent");
        } catch (RuntimeException e) {
            // jnats ends a request nobody can take (no responders) with a cancelled future
            throw new IllegalStateException(region + "'s node agent is not reachable on " + Naming.agentSubject(region) + ": " + e.getMessage(), e);
        }
        if (m == null) {
            throw new IllegalStateException(region + "'s node agent did not answer " + c.op() + " within " + wait.toMillis()
                    + " ms (cut off, or not running: deploy/local/services status node-agent)");
        }
        if (m.isStatusMessage()) {
            throw new IllegalStateException(region + "'s node agent is not running (no responders on " + Naming.agentSubject(region) + ")");
        }
        return AgentReply.parse(m.getData());
    }

    private AgentReply act(String region, Op op, String primary, Duration timeout, Boolean cleanStop, String sql) {
        Duration t = timeout == null ? QUICK : timeout;
        AgentReply r = call(region, AgentCall.of(op, token.get(), primary, t.toMillis(), cleanStop, sql), t.plus(MARGIN));
        if (!r.ok()) {
            throw new IllegalStateException(region + "'s node agent " + (AgentReply.REFUSED.equals(r.outcome()) ? "refused " : "failed ")
                    + op + (r.code() == null ? "" : " [" + r.code() + "]") + ": " + r.detail());
        }
        return r;
    }

    @Override
    public NodeStatus status(String region) {
        try {
            AgentReply r = call(region, AgentCall.of(Op.STATUS, null, null, null, null, null), probeTimeout);
            if (!r.ok()) {
                return NodeStatus.unreachable(region, "agent: " + r.detail());
            }
            if (!Boolean.TRUE.equals(r.pgReachable())) {
                return NodeStatus.databaseDown(region, "database down, per its agent: " + r.detail());
            }
            return new NodeStatus(region, true, Boolean.TRUE.equals(r.inRecovery()), Boolean.TRUE.equals(r.readOnly()), r.walLsn(),
                    r.replayLsn(), null, true, r.upstream(), r.upstreamAgeMs());
        } catch (RuntimeException e) {
            return NodeStatus.unreachable(region, e.getMessage());
        }
    }

    @Override
    public void pausePool(String region, Duration timeout) {
        act(region, Op.PAUSE_POOL, null, timeout, null, null);
    }

    @Override
    public void resumePool(String region) {
        act(region, Op.RESUME_POOL, null, null, null, null);
    }

    @Override
    public void repointPool(String region, String primary) {
        act(region, Op.REPOINT_POOL, primary, null, null, null);
    }

    @Override
    public void repointAndResume(String region, String primary) {
        act(region, Op.REPOINT_AND_RESUME, primary, null, null, null);
    }

    @Override
    public String fence(String region) {
        return act(region, Op.FENCE, null, null, null, null).detail();
    }

    @Override
    public long shutDown(String region, Duration timeout) {
        return act(region, Op.SHUT_DOWN, null, timeout, null, null).lsn();
    }

    @Override
    public String restart(String region) {
        return act(region, Op.RESTART, null, Duration.ofSeconds(70), null, null).detail();
    }

    @Override
    public long currentWalLsn(String region) {
        AgentReply r = call(region, AgentCall.of(Op.CURRENT_WAL_LSN, null, null, null, null, null), QUICK);
        if (!r.ok()) {
            throw new IllegalStateException("cannot read the WAL position of " + region + ": " + r.detail());
        }
        return r.lsn();
    }

    @Override
    public void promote(String region, Duration timeout) {
        act(region, Op.PROMOTE, null, timeout, null, null);
    }

    @Override
    public void unfence(String region) {
        act(region, Op.UNFENCE, null, null, null, null);
    }

    @Override
    public String follow(String region, String primary, Duration timeout) {
        return act(region, Op.FOLLOW, primary, timeout, null, null).detail();
    }

    @Override
    public String rejoin(String region, String primary, boolean cleanStop, Duration timeout) {
        return act(region, Op.REJOIN, primary, timeout, cleanStop, null).detail();
    }

    @Override
    public long apply(String region, String sql, Duration timeout) {
        return act(region, Op.APPLY, null, timeout, null, sql).lsn();
    }
}
