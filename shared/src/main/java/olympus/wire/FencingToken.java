package olympus.wire;

/**
 * What a mutating node-agent request carries so that the agent itself can refuse a leader that
 * is no longer the leader: the coordinator lease's term (it goes up by one at every change of
 * leader) and the topology epoch (it goes up at every change of primary) the sender has seen.
 * Ordered by term, then epoch: a deposed leader has a lower term than its successor whatever
 * epoch it read, and within one term the epoch only grows.
 */
public record FencingToken(long term, long epoch, String leader) implements Comparable<FencingToken> {
    public FencingToken {
        if (term < 0 || epoch < 0) {
            throw new IllegalArgumentException("term and epoch must be >= 0, got term " + term + " epoch " + epoch);
        }
        if (leader == null || leader.isBlank() || leader.length() > 128) {
            throw new IllegalArgumentException("leader must be 1..128 characters");
        }
    }

    @Override
    public int compareTo(FencingToken o) {
        int c = Long.compare(term, o.term);
        return c != 0 ? c : Long.compare(epoch, o.epoch);
    }

    @Override
    public String toString() {
        return "term " + term + " epoch " + epoch + " (" + leader + ")";
    }
}
