package olympus.router.core;

import java.time.Instant;

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
    public enum Update { APPLIED, OLDER_IGNORED, UNKNOWN_REGION, FROM_THE_FUTURE }

    /**
     * How far ahead of this router's clock a sample's time may be (hosts' clocks differ by that
     * much at most under NTP; 2 s is generous). Further ahead, the sample is refused: kept, it would
     * read as fresh long after its replica stopped, and shadow every real sample stamped before it.
     */
    public static final java.time.Duration MAX_SAMPLE_AHEAD = java.time.Duration.ofSeconds(2);

    /**
     * Keeps the newest sample per replica; an older one arriving late (KV read, redelivery) is
     * ignored. A sample stamped ahead of {@code now} (within {@link #MAX_SAMPLE_AHEAD}) is kept as
     * taken now, so its age is never less than zero and the next real sample replaces it.
     */
    public synchronized Update offer(ReplicaLag sample, Instant now) {
        if (!regions.contains(sample.replica())) {
            return Update.UNKNOWN_REGION;
        }
        if (sample.sampledAt().isAfter(now.plus(MAX_SAMPLE_AHEAD))) {
            return Update.FROM_THE_FUTURE;
        }
        if (sample.sampledAt().isAfter(now)) {
            sample = new ReplicaLag(sample.replica(), sample.primary(), sample.epoch(), sample.replayLsn(), sample.state(), now);
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
