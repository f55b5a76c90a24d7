package olympus.revocation.core;

import olympus.wire.ClientRevoked;
import olympus.wire.EventCodec;
import olympus.wire.SessionRevoked;
import olympus.wire.SubjectRevoked;
import olympus.wire.TokenRevoked;
import olympus.wire.WireEvent;
import olympus.wire.WireException;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides what one message of the view stream does to the region's denylist. Pure: the caller
 * passes the payload and the time; the Redis adapter carries out the mutation.
 *
 * <p>Order-independent by construction: entries are sets keyed by identity, watermarks only move
 * forward, and expiries only move later, so applying events in any order, or twice, ends in the
 * same state.
 */
public final class ApplyPlanner {
    private final EventCodec codec;

    public ApplyPlanner(EventCodec codec) {
        this.codec = codec;
    }

    public ApplyDecision plan(byte[] payload, Instant now) {
        return plan(payload, null, now);
    }

    /**
     * The same, for a payload received on a subject of {@code subjectRegion} (the publishing
     * region, which NATS permissions vouch for: only that region's revocation-bus user may
     * publish there); null when there is no subject to check against. An event whose
     * {@code originRegion} is another region is poison ({@link #ORIGIN_MISMATCH}): a region's
     * credential must not be able to speak for another region by writing its name in a field.
     */
    public ApplyDecision plan(byte[] payload, String subjectRegion, Instant now) {
        WireEvent event;
        try {
            event = codec.decode(payload);
        } catch (WireException e) {
            return ApplyDecision.skip(ApplyDecision.Outcome.POISON, e.rejection() + ": " + e.getMessage());
        }
        if (subjectRegion != null && !subjectRegion.equals(event.originRegion())) {
            return ApplyDecision.skip(ApplyDecision.Outcome.POISON, ORIGIN_MISMATCH + ": event " + event.eventId()
                    + " says originRegion '" + event.originRegion() + "' but was published on region '" + subjectRegion + "'s subject");
        }
        return plan(event, now);
    }

    /** Dead-letter reason of an event whose origin region is not the region of the subject it came on. */
    public static final String ORIGIN_MISMATCH = "ORIGIN_MISMATCH";

    /**
     * Never throws: whatever a message holds, the outcome is one that settles it. An exception
     * here (an overflow on an instant no check foresaw) would otherwise leave the message
     * unsettled and redelivered forever, and stop a rebuild at the same event every round.
     */
    public ApplyDecision plan(WireEvent event, Instant now) {
        try {
            return decide(event, now);
        } catch (RuntimeException e) {
            return ApplyDecision.skip(ApplyDecision.Outcome.POISON, "PLAN_FAILED: " + e);
        }
    }

    private ApplyDecision decide(WireEvent event, Instant now) {
        Mutation m = null;
        if (event instanceof TokenRevoked t) {
            m = token(t);
        } else if (event instanceof SessionRevoked s) {
            m = new Mutation(s.eventId(), "session", Mutation.Mode.SET, List.of(Keys.session(s.sessionId())),
                    entry(s.eventId(), s.reason()), s.keepUntil().toEpochMilli(),
                    List.of(Keys.introspectionBySession(s.sessionId())), null, 0);
        } else if (event instanceof SubjectRevoked s) {
            m = new Mutation(s.eventId(), "subject", Mutation.Mode.WATERMARK, List.of(Keys.subjectWatermark(s.subject())),
                    Long.toString(s.issuedBefore().toEpochMilli()), s.keepUntil().toEpochMilli(), List.of(), null, 0);
        } else if (event instanceof ClientRevoked c) {
            m = new Mutation(c.eventId(), "client", Mutation.Mode.WATERMARK, List.of(Keys.clientWatermark(c.clientId())),
                    Long.toString(c.issuedBefore().toEpochMilli()), c.keepUntil().toEpochMilli(), List.of(), null, 0);
        }
        if (m != null) {
            m = new Mutation(m.eventId(), m.kind(), m.mode(), m.keys(), m.value(), m.expireAtMillis(), m.invalidate(),
                    event.originRegion(), event.occurredAt().toEpochMilli());
        }
        if (m == null) {
            return ApplyDecision.skip(ApplyDecision.Outcome.POISON,
                    "TYPE_MISMATCH: " + event.type() + " is not a revocation event");
        }
        if (m.expireAtMillis() <= now.toEpochMilli()) {
            return ApplyDecision.skip(ApplyDecision.Outcome.SKIP_EXPIRED,
                    "keep-until " + Instant.ofEpochMilli(m.expireAtMillis()) + " has passed: nothing left to protect");
        }
        return ApplyDecision.apply(m, m.kind() + " revocation " + m.eventId());
    }

    private static Mutation token(TokenRevoked t) {
        List<String> keys = new ArrayList<>();
        List<String> invalidate = new ArrayList<>();
        if (t.jti() != null) {
            keys.add(Keys.jti(t.jti()));
            invalidate.add(Keys.introspectionByJti(t.jti()));
        }
        if (t.tokenHash() != null) {
            keys.add(Keys.tokenHash(t.tokenHash()));
            invalidate.add(Keys.introspectionByTokenHash(t.tokenHash()));
        }
        return new Mutation(t.eventId(), "token", Mutation.Mode.SET, keys, entry(t.eventId(), t.reason()),
                t.keepUntil().toEpochMilli(), invalidate, null, 0);
    }

    /** Entry value: event id, then the reason, tab-separated (a reason never holds a tab after cleaning). */
    static String entry(String eventId, String reason) {
        return reason == null ? eventId : eventId + "\t" + reason.replace('\t', ' ');
    }
}
