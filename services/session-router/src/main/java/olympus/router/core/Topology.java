package olympus.router.core;

import olympus.wire.ClusterTopology;

import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the router needs from the control KV's topology: the primary, the epoch, which regions
 * serve as replicas, and whether writes are paused. {@code known} is false until the router has
 * read the topology once (it starts from the configured primary at epoch 0 meanwhile).
 */
public record Topology(boolean known, String primary, long epoch, Set<String> replicas,
                       boolean writesPausedFlag, String pauseReason, String pausedBy, Instant pauseDeadline) {

    public Topology {
        replicas = Set.copyOf(replicas);
    }

    /** Before the control KV answered: the configured primary, every other region a replica. */
    public static Topology assumed(String primary, List<String> regions) {
        Set<String> r = new LinkedHashSet<>(regions);
        r.remove(primary);
        return new Topology(false, primary, 0, r, false, null, null, null);
    }

    /**
     * Members with role REPLICA serve reads; a FENCED former primary does not. A topology
     * without members (older writers) means every configured region but the primary.
     */
    public static Topology from(ClusterTopology t, List<String> regions) {
        Set<String> r = new LinkedHashSet<>();
        if (t.members().isEmpty()) {
            r.addAll(regions);
            r.remove(t.primary());
        } else {
            for (Map.Entry<String, ClusterTopology.Member> m : t.members().entrySet()) {
                if ("REPLICA".equals(m.getValue().role()) && !m.getKey().equals(t.primary())) {
                    r.add(m.getKey());
                }
            }
        }
        ClusterTopology.Writes w = t.writes();
        boolean paused = w.state() == ClusterTopology.WritesState.PAUSED;
        Instant deadline = paused && w.deadline() != null ? Instant.parse(w.deadline()) : null;
        return new Topology(true, t.primary(), t.epoch(), r, paused, w.reason(), w.by(), deadline);
    }

    public boolean writesPaused(Instant now) {
        return writesPausedFlag && (pauseDeadline == null || now.isBefore(pauseDeadline));
    }
}
