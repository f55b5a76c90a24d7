package olympus.failover.core;

import olympus.wire.Lsn;

import olympus.wire.ClusterTopology;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Whether a switchover or failover may start, and with which candidate. Pure: every input is in
 * the {@link ClusterView}; every refusal names its reason, which the operator sees and the audit
 * keeps (Patroni-style "no healthy candidate: eu-west lags 3.2 MiB > 1.0 MiB").
 */
public final class Preflight {
    private Preflight() {}

    /** Limits the decisions use; see FailoverConfiguration for the trade-offs. */
    /**
     * @param fenceGraceMs how long a quorum must have seen the primary unreachable before an unforced
     *                     failover: long enough for a primary that is cut off (not dead) to notice it
     *                     lost the control plane and fence itself, so that its own region's clients
     *                     stop writing to it before another primary exists
     */
    public record Limits(long maxLagBytes, int observerQuorum, long observationMaxAgeMs, long fenceGraceMs, long clockSkewMs) {
        public Limits(long maxLagBytes, int observerQuorum, long observationMaxAgeMs, long fenceGraceMs) {
            this(maxLagBytes, observerQuorum, observationMaxAgeMs, fenceGraceMs, 1000);
        }
    }

    public static Verdict switchover(ClusterView v, String to, long nowMs, Limits limits) {
        String primary = v.primary();
        if (to.equals(primary)) {
            return Verdict.refuse(to + " is already the primary (epoch " + v.topology().epoch() + ")");
        }
        if (v.topology().writes().paused(java.time.Instant.ofEpochMilli(nowMs))) {
            return Verdict.refuse("writes are paused (" + v.topology().writes().reason() + ", by " + v.topology().writes().by()
                    + "): resume them before a switchover");
        }
        List<String> down = new ArrayList<>();
        for (String r : v.topology().members().keySet()) {
            NodeStatus n = v.node(r);
            if (!n.reachable()) {
                down.add(r + ": " + n.error());
            }
        }
        if (!down.isEmpty()) {
            return Verdict.refuse("a planned switchover needs every region reachable; not reachable: " + String.join("; ", down)
                    + (v.node(primary).reachable() ? "" : " (the primary is down: use failover)"));
        }
        NodeStatus p = v.node(primary);
        if (!p.writable()) {
            return Verdict.refuse("the primary " + primary + " is not writable (" + p.describe() + "); a switchover starts from a healthy primary");
        }
        NodeStatus c = v.node(to);
        if (!c.inRecovery()) {
            return Verdict.refuse("candidate " + to + " is not a replica (" + c.describe() + ")");
        }
        long lag = lag(p.walLsn(), c.replayLsn());
        if (lag > limits.maxLagBytes()) {
            return Verdict.refuse("candidate " + to + " lags " + Lsn.bytes(lag) + " behind the primary, over the limit "
                    + Lsn.bytes(limits.maxLagBytes()) + "; wait for it to catch up");
        }
        return Verdict.go(to, lag, "candidate " + to + " healthy, " + Lsn.bytes(lag) + " behind");
    }

    /**
     * Emergency failover: the primary must be reported unreachable by a quorum of fresh
     * observers (or {@code force}); the candidate (given, or the most advanced reachable replica)
     * must be within the lag limit of the last primary position anyone saw (or {@code force}).
     */
    public static Verdict failover(ClusterView v, String to, boolean force, long nowMs, Limits limits) {
        String primary = v.primary();
        if (to != null && to.equals(primary)) {
            return Verdict.refuse(to + " is the current primary (epoch " + v.topology().epoch() + "); name a replica");
        }
        NodeStatus p = v.node(primary);
        if (p.writable()) {
            return Verdict.refuse("the primary " + primary + " is reachable and writable from the leader: use switchover (zero loss) instead of failover");
        }
        List<String> seenDown = new ArrayList<>();
        long downFor = Long.MAX_VALUE;
        for (Observation o : v.observations()) {
            if (o.primary().equals(primary) && !o.primaryReachable() && o.fresh(nowMs, limits.observationMaxAgeMs())) {
                seenDown.add(o.observer());
                downFor = Math.min(downFor, o.downForMs(nowMs));
            }
        }
        if (seenDown.size() < limits.observerQuorum() && !force) {
            return Verdict.refuse("only " + seenDown.size() + " region(s) " + seenDown + " report the primary " + primary
                    + " unreachable; " + limits.observerQuorum() + " needed (or --force)");
        }
        if (!force && downFor < limits.fenceGraceMs()) {
            return Verdict.refuse("the primary " + primary + " has been unreachable for only " + downFor + " ms per " + seenDown
                    + "; waiting until " + limits.fenceGraceMs() + " ms so that, if it is cut off rather than dead, it has fenced "
                    + "itself first (retry, or --force)");
        }
        AgentHeartbeat hb = v.agent(primary);
        // Only a primary its agent last saw writable can still take writes: DOWN (stopped or
        // crashed), FENCED_PRIMARY or REPLICA cannot.
        if (!force && hb != null && !hb.selfFenced() && (hb.role() == null || hb.role().equals("WRITABLE_PRIMARY"))) {
            // The old primary's agent fences it at most fencedWithin after its last committed
            // heartbeat; past that (plus the clock skew between hosts) it is fenced or dead. A
            // heartbeat newer than that means it still reaches the quorum: the coordinators lost
            // it, the control plane did not (a partial partition), and it has not fenced itself.
            long bound = hb.fencedWithinMs() >= 0 ? hb.fencedWithinMs() : limits.fenceGraceMs();
            long safeAt = hb.atMs() + bound + limits.clockSkewMs();
            if (nowMs < safeAt) {
                return Verdict.refuse("the primary " + primary + "'s node agent proved the control quorum " + (nowMs - hb.atMs())
                        + " ms ago (heartbeat " + hb.at() + ", " + hb.role() + "): it is not cut off from the control plane, or has "
                        + "not fenced itself yet" + (hb.fencedWithinMs() < 0 ? " (its self-fence is off)" : "") + "; an unforced failover waits "
                        + (safeAt - nowMs) + " ms more (retry, or --force)");
            }
        }
        if (!force) {
            // The primary's agent may be dead while its PostgreSQL runs on (nothing would fence
            // it): its replicas still receive its WAL. A cut or dead primary sent its last message
            // at least the fence grace ago by now (a failover waits that long), a live one a
            // heartbeat ago (the lag-monitor writes one every 100-500 ms).
            long liveWithinMs = limits.fenceGraceMs() / 2;
            for (NodeStatus n : v.nodes().values()) {
                if (primary.equals(n.upstream()) && n.upstreamAgeMs() != null && n.upstreamAgeMs() < liveWithinMs) {
                    return Verdict.refuse("the primary " + primary + " is alive: " + n.region() + " received its WAL " + n.upstreamAgeMs()
                            + " ms ago, though the coordinators cannot reach it" + (p.hostReachable() ? "" : " or its node agent")
                            + "; a promotion now would leave two writable primaries. Restart " + primary + "'s node agent (it then "
                            + "reports, and fences itself if cut off), or stop " + primary + "'s PostgreSQL by hand, then retry (or --force)");
                }
            }
        }
        String candidate = to;
        if (candidate == null) {
            candidate = v.nodes().values().stream()
                    .filter(n -> !n.region().equals(primary) && n.reachable() && n.inRecovery() && n.replayLsn() != null)
                    .max(Comparator.comparingLong(NodeStatus::replayLsn))
                    .map(NodeStatus::region).orElse(null);
            if (candidate == null) {
                return Verdict.refuse("no reachable replica to promote: " + describe(v.nodes()));
            }
        }
        NodeStatus c = v.node(candidate);
        if (!c.reachable()) {
            return Verdict.refuse("candidate " + candidate + " is unreachable (" + c.error() + ")");
        }
        if (!c.inRecovery()) {
            return Verdict.refuse("candidate " + candidate + " is not a replica (" + c.describe() + ")");
        }
        Long ref = v.lastKnownPrimaryLsn();
        if (ref == null || c.replayLsn() == null) {
            if (!force) {
                return Verdict.refuse("the lag of " + candidate + " against the old primary is unknown (no primary position was ever "
                        + "observed); refusing to guess (--force to accept possible loss)");
            }
            return Verdict.go(candidate, null, "forced: lag unknown");
        }
        long lag = lag(ref, c.replayLsn());
        if (lag > limits.maxLagBytes()) {
            if (!force) {
                return Verdict.refuse("candidate " + candidate + " lags " + Lsn.bytes(lag) + " behind the last primary position "
                        + Lsn.format(ref) + ", over the limit " + Lsn.bytes(limits.maxLagBytes())
                        + " (up to that much acknowledged data would be lost; --force to accept)");
            }
            return Verdict.go(candidate, lag, "FORCED despite lag " + Lsn.bytes(lag) + " > " + Lsn.bytes(limits.maxLagBytes()));
        }
        return Verdict.go(candidate, lag, "candidate " + candidate + " is " + Lsn.bytes(lag) + " behind the last primary position "
                + Lsn.format(ref) + (seenDown.size() < limits.observerQuorum() ? "; FORCED without observer quorum" : "; primary unreachable per " + seenDown));
    }

    static long lag(Long reference, Long position) {
        if (reference == null || position == null) {
            return Long.MAX_VALUE;
        }
        return Math.max(0, reference - position);
    }

    private static String describe(Map<String, NodeStatus> nodes) {
        List<String> s = new ArrayList<>();
        nodes.values().forEach(n -> s.add(n.region() + " " + n.describe()));
        return String.join("; ", s);
    }

    /** A member map with {@code primary} as PRIMARY and every other region as REPLICA (or FENCED). */
    public static Map<String, ClusterTopology.Member> members(ClusterTopology t, String primary, String fenced) {
        Map<String, ClusterTopology.Member> m = new java.util.LinkedHashMap<>();
        for (var e : t.members().entrySet()) {
            String role = e.getKey().equals(primary) ? "PRIMARY" : e.getKey().equals(fenced) ? "FENCED" : "REPLICA";
            m.put(e.getKey(), new ClusterTopology.Member(role, e.getValue().host(), e.getValue().port()));
        }
        return m;
    }
}
