package olympus.router.core;

/**
 * Where one read goes: {@code region} is the replica's region or the primary's. Markers to drop
 * are those every replica has replayed past (the adapter deletes them, compare-and-delete).
 */
public record ReadDecision(Target target, String region, String primary, long epoch, ReadReason reason, String detail,
                           Marker dropUserWrite, Marker dropSessionWrite, Marker dropSessionFresh) {
    static ReadDecision primary(Topology t, ReadReason r, String detail) {
        return new ReadDecision(Target.PRIMARY, t.primary(), t.primary(), t.epoch(), r, detail, null, null, null);
    }

    static ReadDecision replica(Topology t, String replica, ReadReason r, String detail) {
        return new ReadDecision(Target.REPLICA, replica, t.primary(), t.epoch(), r, detail, null, null, null);
    }

    public boolean dropsAny() {
        return dropUserWrite != null || dropSessionWrite != null || dropSessionFresh != null;
    }
}
