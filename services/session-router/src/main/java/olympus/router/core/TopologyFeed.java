package olympus.router.core;

/**
 * Where the router's topology may come from, decided without I/O. The control KV's
 * {@code topology} key is the record: only a value read from it is applied, in the order of its
 * KV revision (the leader writes it by compare-and-set, so revisions are the order of changes).
 * An announce on {@code olympus.topology.announce} carries no authority: any holder of a
 * coordinator credential can send any epoch there, and one trusted announce with epoch 2^63-1
 * would pin every router (no later epoch could replace it). It is a hint that the KV may have
 * changed, answered by reading the KV now instead of at the next poll.
 */
public final class TopologyFeed {
    private TopologyFeed() {}

    public enum Action {
        /** Replace the held topology with the KV value. */
        APPLY,
        /** Keep the held topology. */
        IGNORE,
        /** Read the control KV now (the announce's content itself is not used). */
        READ_KV
    }

    public enum Reason {
        /** A KV value at a revision after the held one. */
        KV_NEWER_REVISION(Action.APPLY),
        /** A KV value at the held revision or before: a late watch delivery, a KV replica behind. */
        KV_NOT_NEWER(Action.IGNORE),
        /** An announce of a higher epoch, or of another primary or writes state at the held epoch. */
        ANNOUNCE_HINTS_CHANGE(Action.READ_KV),
        /** An announce of what is already held, or of an older epoch. */
        ANNOUNCE_NOTHING_NEW(Action.IGNORE);

        private final Action action;

        Reason(Action action) {
            this.action = action;
        }

        public Action action() {
            return action;
        }
    }

    public record Decision(Reason reason, String detail) {
        public Action action() {
            return reason.action();
        }
    }

    /** A topology read from the control KV at {@code revision}, the held one read at {@code heldRevision} (0: none yet). */
    public static Decision fromKv(long heldRevision, long revision) {
        if (revision > heldRevision) {
            return new Decision(Reason.KV_NEWER_REVISION, "KV revision " + revision + " after held " + heldRevision);
        }
        return new Decision(Reason.KV_NOT_NEWER, "KV revision " + revision + " not after held " + heldRevision);
    }

    /** An announce of {@code announced}, while {@code held} is the topology last applied from the KV. */
    public static Decision fromAnnounce(Topology held, Topology announced) {
        if (!held.known() || announced.epoch() > held.epoch()) {
            return new Decision(Reason.ANNOUNCE_HINTS_CHANGE, "announce of epoch " + announced.epoch() + " (held "
                    + held.epoch() + "): read the control KV");
        }
        if (announced.epoch() == held.epoch() && (!announced.primary().equals(held.primary())
                || announced.writesPausedFlag() != held.writesPausedFlag())) {
            return new Decision(Reason.ANNOUNCE_HINTS_CHANGE, "announce at the held epoch " + held.epoch()
                    + " differs from the held topology: read the control KV");
        }
        return new Decision(Reason.ANNOUNCE_NOTHING_NEW, "announce of epoch " + announced.epoch() + ", held " + held.epoch());
    }
}
