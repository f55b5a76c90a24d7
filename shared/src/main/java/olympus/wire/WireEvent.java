package olympus.wire;

import java.time.Instant;

/**
 * An event that crosses regions. Every implementation is a flat record whose component names
 * are the JSON field names; {@link EventCodec} relies on that, so renaming a component is a
 * wire change.
 */
public sealed interface WireEvent
        permits TokenRevoked, SessionRevoked, SubjectRevoked, ClientRevoked, ReplicaLagSampled {

    /** Idempotency key: the apply side and the broker's de-duplication both key on it. */
    String eventId();

    int schemaVersion();

    String originRegion();

    Instant occurredAt();

    /** Wire type name, the value of the JSON "type" field. */
    default String type() {
        return getClass().getSimpleName();
    }
}
