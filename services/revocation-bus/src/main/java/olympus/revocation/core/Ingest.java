package olympus.revocation.core;

import olympus.wire.Check;
import olympus.wire.ClientRevoked;
import olympus.wire.EventCodec;
import olympus.wire.Rejection;
import olympus.wire.RevocationKind;
import olympus.wire.SessionRevoked;
import olympus.wire.SubjectRevoked;
import olympus.wire.TokenRevoked;
import olympus.wire.WireEvent;
import olympus.wire.WireException;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Turns a caller's request into the wire event this region publishes. Pure: region, time and id
 * source are passed in. Every field rule is the wire record's own (its constructor throws a
 * {@link WireException} naming the field), so what the HTTP API accepts is exactly what every
 * consumer can decode.
 */
public final class Ingest {
    private final String region;
    private final Duration defaultKeepFor;
    private final Supplier<String> ids;

    /**
     * @param defaultKeepFor keep-until when the caller gives none: the longest token lifetime, so
     *     the entry outlives any token it can match
     */
    public Ingest(String region, Duration defaultKeepFor, Supplier<String> ids) {
        if (defaultKeepFor.compareTo(Check.MAX_KEEP) > 0) {
            // Every ingest without a keep-until would be refused: say so at start-up instead.
            throw new IllegalArgumentException("revocation.default-keep-for (" + defaultKeepFor
                    + ") is longer than the revocation stream's retention (" + Check.MAX_KEEP + "): set it to at most "
                    + Check.MAX_KEEP.toHours() + "h");
        }
        this.region = region;
        this.defaultKeepFor = defaultKeepFor;
        this.ids = ids;
    }

    public Ingest(String region, Duration defaultKeepFor) {
        this(region, defaultKeepFor, EventCodec::newEventId);
    }

    public WireEvent toEvent(RevocationRequest r, Instant now) {
        RevocationKind kind = kind(r.kind());
        String eventId = r.eventId() != null ? r.eventId() : ids.get();
        Instant revokedAt = r.revokedAt() != null ? r.revokedAt() : now;
        // The wire records bound every instant against "now" (their occurredAt): revokedAt and
        // issuedBefore at most Check.MAX_SKEW ahead (a revocation dated in the future would leave
        // the token usable until then), keep-until at most the stream's retention.
        Instant keepUntil = r.keepUntil() != null ? r.keepUntil() : revokedAt.plus(defaultKeepFor);
        Instant issuedBefore = r.issuedBefore() != null ? r.issuedBefore() : revokedAt;
        int v = EventCodec.SCHEMA_VERSION;
        return switch (kind) {
            case TOKEN -> new TokenRevoked(eventId, v, region, now, r.jti(), r.tokenHash(), revokedAt, keepUntil, r.reason());
            case SESSION -> new SessionRevoked(eventId, v, region, now, r.sessionId(), r.subject(), revokedAt, keepUntil, r.reason());
            case SUBJECT -> new SubjectRevoked(eventId, v, region, now, r.subject(), issuedBefore, revokedAt, keepUntil, r.reason());
            case CLIENT -> new ClientRevoked(eventId, v, region, now, r.clientId(), issuedBefore, revokedAt, keepUntil, r.reason());
        };
    }

    static RevocationKind kind(String kind) {
        if (kind == null) {
            throw new WireException(Rejection.MISSING_FIELD, "kind",
                    "field 'kind' is missing: one of token, session, subject, client");
        }
        try {
            return RevocationKind.valueOf(kind.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new WireException(Rejection.INVALID_FIELD, "kind", "field 'kind' must be one of token, session, "
                    + "subject, client, got '" + (kind.length() > 32 ? kind.substring(0, 32) + "..." : kind) + "'");
        }
    }
}
