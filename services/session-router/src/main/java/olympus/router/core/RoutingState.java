package olympus.router.core;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Owner of the current {@link RoutingView}: feeds (lag samples, topology) call the update
 * methods, the read path calls {@link #view()}. Updates are serialized and build a new snapshot
 * (copy-on-write: a few updates per second against tens of thousands of reads).
 */
public final class RoutingState {
    private final String localRegion;
    private final List<String> regions;
    private volatile RoutingView view;
    private volatile long topologyRevision;

    public RoutingState(String localRegion, List<String> regions, String configuredPrimary) {
        this.localRegion = localRegion;
        this.regions = List.copyOf(regions);
        this.view = new RoutingView(localRegion, Topology.assumed(configuredPrimary, regions), Map.of());
    }

    public RoutingView view() {
        return view;
    }

    public List<String> regions() {
        return regions;
    }

    /** Outcome of offering a sample or topology: applied, or ignored and why. */
    public enum Update { APPLIED, OLDER_IGNORED, UNKNOWN_REGION }

    /** Keeps the newest sample per replica; an older one arriving late (KV read, redelivery) is ignored. */
    public synchronized Update offer(ReplicaLag sample) {
        if (!regions.contains(sample.replica())) {
            return Update.UNKNOWN_REGION;
        }
        ReplicaLag cur = view.lag().get(sample.replica());
        if (cur != null && !sample.sampledAt().isAfter(cur.sampledAt())) {
            return Update.OLDER_IGNORED;
        }
        Map<String, ReplicaLag> m = new HashMap<>(view.lag());
        m.put(sample.replica(), sample);
        view = new RoutingView(localRegion, view.topology(), m);
        return Update.APPLIED;
    }

    /** KV revision of the held topology; 0 until one was read. */
    public long topologyRevision() {
        return topologyRevision;
    }

    /**
     * A topology read from the control KV at {@code revision}: applied only when it is after the
     * held one ({@link TopologyFeed#fromKv}); a late watch delivery or a KV replica behind is
     * ignored. Nothing else changes the topology: an announce only makes the caller read the KV.
     */
    public synchronized TopologyFeed.Decision offer(Topology t, long revision) {
        TopologyFeed.Decision d = TopologyFeed.fromKv(topologyRevision, revision);
        if (d.action() == TopologyFeed.Action.APPLY) {
            topologyRevision = revision;
            view = new RoutingView(localRegion, t, view.lag());
        }
        return d;
    }

    /** What an announce of {@code announced} asks for, given the held topology: a KV read or nothing. */
    public TopologyFeed.Decision announced(Topology announced) {
        return TopologyFeed.fromAnnounce(view.topology(), announced);
    }
}
