package olympus.router.core;

import olympus.wire.Lsn;

import java.time.Duration;
import java.time.Instant;

/**
 * The pure decisions: where a read goes, whether a write may proceed, whether an empty replica
 * result deserves a retry on the primary. No I/O: the caller passes the snapshot, the markers
 * it read and the time. Stateless and thread-safe (the guard is the only mutable collaborator).
 */
public final class Router {
    private final RoutingPolicy policy;
    private final PrimaryGuard guard;

    public Router(RoutingPolicy policy, PrimaryGuard guard) {
        this.policy = policy;
        this.guard = guard;
    }

    public RoutingPolicy policy() {
        return policy;
    }

    public PrimaryGuard guard() {
        return guard;
    }

    /**
     * A decision that does not depend on markers, or null when the markers must be read first.
     * Lets the adapter skip the Redis round trip when the answer is "primary" anyway.
     */
    public ReadDecision decideWithoutMarkers(ReadRequest req, RoutingView view, Instant now) {
        Topology t = view.topology();
        String local = view.localRegion();
        if (local.equals(t.primary())) {
            return ReadDecision.primary(t, ReadReason.PRIMARY_IS_LOCAL, null);
        }
        if (!t.replicas().contains(local)) {
            return ReadDecision.primary(t, ReadReason.NO_REPLICA, local + " is not a serving replica in topology epoch " + t.epoch());
        }
        if (req.operation() != null && policy.pinnedOperations().contains(req.operation())) {
            return ReadDecision.primary(t, ReadReason.OPERATION_PINNED, req.operation());
        }
        ReplicaLag lag = view.lag().get(local);
        ReadDecision unusable = lag == null
                ? ReadDecision.primary(t, ReadReason.LAG_UNKNOWN, "no lag sample for " + local)
                : unusable(lag, t, now, policy.maxSampleAge());
        if (unusable != null) {
            return unusable;
        }
        return req.hasKey() ? null : lagging(t, lag, now, ReadReason.OK, null);
    }

    /** Null when the sample may be compared against markers; otherwise the primary decision saying why not. */
    static ReadDecision unusable(ReplicaLag lag, Topology t, Instant now, Duration maxAge) {
        if (!ReplicaLag.OK.equals(lag.state()) && !ReplicaLag.LAGGING.equals(lag.state())) {
            return ReadDecision.primary(t, ReadReason.LAG_UNKNOWN, "replica " + lag.replica() + " state " + lag.state());
        }
        if (lag.replayLsn() == null) {
            return ReadDecision.primary(t, ReadReason.LAG_UNKNOWN, "replica " + lag.replica() + " replay position unknown");
        }
        if (lag.epoch() != t.epoch() || !lag.primary().equals(t.primary())) {
            return ReadDecision.primary(t, ReadReason.LAG_UNKNOWN, "sample taken under epoch " + lag.epoch() + " (primary "
                    + lag.primary() + "), topology is at epoch " + t.epoch() + " (primary " + t.primary() + ")");
        }
        Duration age = Duration.between(lag.sampledAt(), now);
        if (age.compareTo(maxAge) > 0) {
            return ReadDecision.primary(t, ReadReason.LAG_FEED_STALE, "newest sample of " + lag.replica() + " is "
                    + age.toMillis() + " ms old (max " + maxAge.toMillis() + " ms)");
        }
        return null;
    }

    /** The full read decision. {@code markers} are those read for the request's keys. */
    public ReadDecision decideRead(ReadRequest req, RoutingView view, Markers markers, Instant now) {
        ReadDecision early = decideWithoutMarkers(req, view, now);
        if (early != null) {
            return early;
        }
        Topology t = view.topology();
        ReplicaLag lag = view.lag().get(view.localRegion());
        if (!markers.available()) {
            return ReadDecision.primary(t, ReadReason.MARKERS_UNAVAILABLE, "marker store unreachable");
        }
        Marker[] ms = {markers.userWrite(), markers.sessionWrite(), markers.sessionFresh()};
        boolean caughtUp = false;
        Long minAll = null;
        boolean minComputed = false;
        Marker[] drop = new Marker[3];
        for (int i = 0; i < ms.length; i++) {
            Marker m = ms[i];
            if (m == null) {
                continue;
            }
            ReadReason pending = m.kind() == Marker.Kind.WRITE ? ReadReason.RECENT_WRITE : ReadReason.NEW_SESSION;
            Duration window = m.kind() == Marker.Kind.WRITE ? policy.writeWindow() : policy.freshSessionWindow();
            boolean windowActive = m.windowFrom() != null && now.isBefore(m.windowFrom().plus(window));
            if (windowActive) {
                return ReadDecision.primary(t, m.kind() == Marker.Kind.WRITE ? ReadReason.RECENT_WRITE_NO_LSN : ReadReason.NEW_SESSION,
                        "no LSN known for the latest write: time window of " + window.toMillis() + " ms, no guarantee");
            }
            if (m.lsn() == null) {
                // An expired window marker: nothing pending any more, and nothing worth keeping.
                drop[i] = m;
                continue;
            }
            if (m.epoch() != t.epoch()) {
                return ReadDecision.primary(t, pending, "marker from epoch " + m.epoch() + ", topology is at epoch " + t.epoch());
            }
            if (!Lsn.atOrAfter(lag.replayLsn(), m.lsn())) {
                return ReadDecision.primary(t, pending, "replica at " + Lsn.format(lag.replayLsn()) + ", marker at " + Lsn.format(m.lsn()));
            }
            caughtUp = true;
            if (!minComputed) {
                minAll = view.minReplayOfAllReplicas(now, policy.maxSampleAge());
                minComputed = true;
            }
            if (minAll != null && Lsn.atOrAfter(minAll, m.lsn())) {
                drop[i] = m;
            }
        }
        ReadDecision d = lagging(t, lag, now, caughtUp ? ReadReason.CAUGHT_UP : ReadReason.OK, null);
        // Dropping is housekeeping, not a guarantee: a marker is kept (TTL) unless every serving
        // replica has replayed past it, so a read in any region that holds a copy stays safe.
        if (drop[0] != null || drop[1] != null || drop[2] != null) {
            d = new ReadDecision(d.target(), d.region(), d.primary(), d.epoch(), d.reason(), d.detail(), drop[0], drop[1], drop[2]);
        }
        return d;
    }

    private ReadDecision lagging(Topology t, ReplicaLag lag, Instant now, ReadReason healthy, String detail) {
        if (ReplicaLag.LAGGING.equals(lag.state())) {
            if (guard.tryAcquire(toNanos(now))) {
                return ReadDecision.primary(t, ReadReason.REPLICA_LAGGING, "replica " + lag.replica() + " reports LAGGING");
            }
            return ReadDecision.replica(t, lag.replica(), ReadReason.PRIMARY_GUARD,
                    "replica LAGGING but the primary's budget of " + guard.ratePerSecond() + " lag-induced reads/s is spent");
        }
        return ReadDecision.replica(t, lag.replica(), healthy, detail);
    }

    private static long toNanos(Instant now) {
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** Whether a write may go ahead now. */
    public WriteDecision decideWrite(RoutingView view, Instant now) {
        Topology t = view.topology();
        if (!t.known()) {
            return new WriteDecision(WriteDecision.Action.HOLD, t.primary(), t.epoch(), policy.holdRetry().toMillis(),
                    WriteDecision.Reason.TOPOLOGY_UNKNOWN, "the control KV's topology has not been read yet");
        }
        if (t.writesPaused(now)) {
            long retry = policy.holdRetry().toMillis();
            if (t.pauseDeadline() != null) {
                retry = Math.max(1, Math.min(retry, Duration.between(now, t.pauseDeadline()).toMillis()));
            }
            String detail = "paused" + (t.pausedBy() == null ? "" : " by " + t.pausedBy())
                    + (t.pauseReason() == null ? "" : ": " + t.pauseReason())
                    + (t.pauseDeadline() == null ? "" : " (until " + t.pauseDeadline() + ")");
            return new WriteDecision(WriteDecision.Action.HOLD, t.primary(), t.epoch(), retry, WriteDecision.Reason.WRITES_PAUSED, detail);
        }
        return new WriteDecision(WriteDecision.Action.PROCEED, t.primary(), t.epoch(), 0, WriteDecision.Reason.WRITES_OPEN, null);
    }

    /**
     * After an empty replica result: retry on the primary only when a marker says the row may
     * not have replicated yet. Without one the id is unknown to us, and retrying would let any
     * random or forged id buy a cross-region primary query.
     */
    public EmptyResultDecision decideEmptyResult(ReadRequest req, RoutingView view, Markers markers, Instant now) {
        Topology t = view.topology();
        if (view.localRegion().equals(t.primary())) {
            return new EmptyResultDecision(false, t.primary(), t.epoch(), EmptyResultDecision.Reason.PRIMARY_IS_LOCAL);
        }
        if (!req.hasKey()) {
            return new EmptyResultDecision(false, t.primary(), t.epoch(), EmptyResultDecision.Reason.NO_MARKER);
        }
        if (!markers.available()) {
            return new EmptyResultDecision(false, t.primary(), t.epoch(), EmptyResultDecision.Reason.MARKERS_UNAVAILABLE);
        }
        for (Marker m : new Marker[] {markers.userWrite(), markers.sessionWrite(), markers.sessionFresh()}) {
            if (m != null && live(m, now)) {
                return new EmptyResultDecision(true, t.primary(), t.epoch(), EmptyResultDecision.Reason.MARKER_PRESENT);
            }
        }
        return new EmptyResultDecision(false, t.primary(), t.epoch(), EmptyResultDecision.Reason.NO_MARKER);
    }

    private boolean live(Marker m, Instant now) {
        if (m.lsn() != null) {
            return true;
        }
        Duration window = m.kind() == Marker.Kind.WRITE ? policy.writeWindow() : policy.freshSessionWindow();
        return now.isBefore(m.windowFrom().plus(window));
    }
}
