package olympus.revocation;

import olympus.revocation.api.Replies;
import olympus.revocation.core.CheckQuery;
import olympus.revocation.core.Ingest;
import olympus.revocation.core.RevocationRequest;
import olympus.revocation.core.Verdict;
import olympus.revocation.http.BadRequestException;
import olympus.revocation.nats.OriginPublisher;
import olympus.revocation.redis.RedisDenylist;
import olympus.wire.RevocationKind;
import olympus.wire.WireEvent;
import olympus.wire.WireException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What the HTTP and NATS front doors call: ingest (validate everything, then publish to the
 * origin stream and reply once stored) and check (read the region's denylist).
 */
public final class RevocationService {
    private static final Logger LOG = LoggerFactory.getLogger(RevocationService.class);

    private final Ingest ingest;
    private final OriginPublisher publisher;
    private final RedisDenylist redis;
    private final Metrics metrics;
    private final Clock clock;
    /**
     * One line per second for unconfirmed events, with the count: at 2,000 events/s an overloaded
     * bus wrote 17,000 lines in a minute, one per event, and the logging itself kept it overloaded.
     * The failed-ingest meter still counts each one.
     */
    private final olympus.auth.Throttle notConfirmedLog = new olympus.auth.Throttle(1_000_000_000L, System::nanoTime);
    private final olympus.revocation.core.ApplyPlanner planner = new olympus.revocation.core.ApplyPlanner(new olympus.wire.EventCodec());

    public RevocationService(Ingest ingest, OriginPublisher publisher, RedisDenylist redis, Metrics metrics, Clock clock) {
        this.ingest = ingest;
        this.publisher = publisher;
        this.redis = redis;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Builds every event first: a batch with one invalid entry is refused whole, nothing published. */
    public List<WireEvent> validate(List<RevocationRequest> requests) {
        List<WireEvent> events = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            try {
                events.add(ingest.toEvent(requests.get(i), clock.instant()));
            } catch (WireException e) {
                metrics.ingested(String.valueOf(requests.get(i).kind()), "rejected");
                throw new BadRequestException(e.rejection().name(), e.field(), requests.size() > 1 ? i : null,
                        e.getMessage());
            }
        }
        return events;
    }

    /**
     * An event id already applied here for another revocation (what the events revoke, not when:
     * {@code Mutation.identity}) would be taken for a duplicate and silently dropped: refused
     * instead, as a 409 naming the batch index. Completes with null when nothing is reused, and
     * also when this region's Redis cannot be read, since ingest must not depend on Redis; the
     * apply side then dead-letters a reused id as EVENT_ID_REUSED. An id reused within the origin
     * stream's 2-minute duplicate window before the first was applied is still taken for a retry.
     */
    public CompletionStage<BadRequestException> reusedIds(List<WireEvent> events) {
        List<String> ids = new ArrayList<>(events.size());
        List<String> identities = new ArrayList<>(events.size());
        java.time.Instant now = clock.instant();
        for (WireEvent e : events) {
            olympus.revocation.core.ApplyDecision d = planner.plan(e, now);
            ids.add(e.eventId());
            identities.add(d.mutation() == null ? null : d.mutation().identity());
        }
        CompletionStage<List<String>> seen;
        try {
            seen = redis.markers(ids);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(null);
        }
        return seen.handle((markers, err) -> {
            if (err != null) {
                return null;
            }
            for (int i = 0; i < markers.size(); i++) {
                String m = markers.get(i);
                if (m != null && !m.equals("1") && identities.get(i) != null && !m.equals(identities.get(i))) {
                    metrics.ingested(RevocationKind.of(events.get(i)).token(), "rejected");
                    return new BadRequestException("EVENT_ID_REUSED", "eventId", events.size() > 1 ? i : null,
                            "eventId '" + ids.get(i) + "' was already used for a different revocation: "
                                    + "use a new eventId for a new revocation (the same eventId is only for a retry)");
                }
            }
            return null;
        });
    }

    /**
     * Publishes and completes when every event is stored or has failed; never exceptionally.
     * Events complete independently, so a failed one is reported by id for a retry.
     */
    public CompletableFuture<Replies.IngestReply> publish(List<WireEvent> events) {
        List<CompletableFuture<OriginPublisher.Stored>> stored = publisher.publish(events);
        List<CompletableFuture<Object>> fs = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            WireEvent e = events.get(i);
            String kind = RevocationKind.of(e).token();
            fs.add(stored.get(i).handle((ack, err) -> {
                if (err != null) {
                    metrics.ingested(kind, "failed");
                    long n = notConfirmedLog.count();
                    if (n > 0) {
                        LOG.warn("ingest of {} {} not confirmed: {}{}", kind, e.eventId(), err.toString(),
                                n > 1 ? " (" + n + " events not confirmed since the last line; the callers got 503 and retry)" : "");
                    }
                    return new Replies.Failed(e.eventId(), kind, "not confirmed stored in " + publisher.stream()
                            + " (" + rootMessage(err) + "): retry with the same eventId");
                }
                metrics.ingested(kind, ack.duplicate() ? "duplicate" : "stored");
                return new Replies.Accepted(e.eventId(), kind, ack.stream(), ack.seq(), ack.duplicate());
            }));
        }
        return CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<Replies.Accepted> ok = new ArrayList<>();
            List<Replies.Failed> failed = new ArrayList<>();
            for (CompletableFuture<Object> f : fs) {
                Object o = f.join();
                if (o instanceof Replies.Accepted a) {
                    ok.add(a);
                } else {
                    failed.add((Replies.Failed) o);
                }
            }
            return new Replies.IngestReply(ok, failed);
        });
    }

    /** Never completes exceptionally: an unreachable Redis is an UNKNOWN verdict (fail closed). */
    public CompletionStage<Verdict> check(CheckQuery q) {
        CompletionStage<Verdict> v;
        try {
            v = redis.check(q);
        } catch (RuntimeException e) {
            v = CompletableFuture.failedFuture(e);
        }
        return v.handle((verdict, err) -> {
            Verdict out = err == null ? verdict : new Verdict(Verdict.Status.UNKNOWN,
                    "denylist unreachable (" + rootMessage(err) + "): fail closed", null, null);
            metrics.checked(out.status().name());
            return out;
        });
    }

    static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        String m = c.getMessage();
        return c.getClass().getSimpleName() + (m == null ? "" : ": " + (m.length() > 120 ? m.substring(0, 120) : m));
    }
}
