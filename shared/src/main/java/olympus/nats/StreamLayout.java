package olympus.nats;

import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.Source;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import olympus.wire.Check;
import olympus.wire.Naming;
import olympus.wire.Naming.Family;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Creates (or updates to) the origin and view streams of an event family in one region's
 * JetStream domain. Idempotent: run by the provisioning step of a deployment and safe to run again.
 *
 * <p>Delivery guarantee of the layout: a message acknowledged by its origin stream reaches every
 * region's view stream exactly once (sourcing tracks the origin sequence), however long a region
 * was cut off, as long as the origin still retains it ({@link Retention#maxAge()}).
 */
public final class StreamLayout {
    private StreamLayout() {}

    /**
     * Retention of one family.
     *
     * @param maxAge how long origin and view streams keep a message. It bounds the longest partition
     *     a region can recover from by replay, so it must outlast it (for revocations: the longest
     *     token lifetime, since a revocation matters until the token expires).
     * @param originDuplicateWindow how long the origin de-duplicates publisher retries by
     *     {@code Nats-Msg-Id} (the event id). Longer catches later retries; the apply side is
     *     idempotent by event id anyway.
     * @param viewDuplicateWindow kept small on purpose: on 2.9.x a repeated {@code Nats-Msg-Id}
     *     reaching a sourcing stream stalls that source for the whole window (nats-server #4459).
     */
    public record Retention(Duration maxAge, Duration originDuplicateWindow, Duration viewDuplicateWindow,
                            long maxBytes) {
        public static Retention of(Family family) {
            return switch (family) {
                // Hydra's longest default lifetime (refresh tokens) is 720 h; Check.MAX_KEEP bounds
                // every keep-until to this retention. No byte limit: revocations are what the
                // region's JetStream store is for; the other families are capped so they cannot
                // fill it (the server's max_file_store bounds the whole account).
                case REVOCATION -> new Retention(Check.MAX_KEEP, Duration.ofMinutes(2), Duration.ofSeconds(1), -1);
                // Lag samples are only useful fresh; an hour is plenty to debug an incident.
                case LAG -> new Retention(Duration.ofHours(1), Duration.ofSeconds(30), Duration.ofSeconds(1), 256L << 20);
                // A year, but never more than 256 MiB per stream: a full audit stream drops its
                // oldest records instead of refusing revocations the space they need.
                case AUDIT -> new Retention(Duration.ofDays(365), Duration.ofMinutes(2), Duration.ofSeconds(1), 256L << 20);
                case BENCH -> new Retention(Duration.ofMinutes(10), Duration.ofSeconds(30), Duration.ofSeconds(1), 512L << 20);
            };
        }
    }

    public static StreamConfiguration originConfig(Family family, String region, Retention r) {
        return StreamConfiguration.builder()
                .name(Naming.originStream(family, region))
                .description(family.token() + " events published in " + region)
                .subjects(Naming.originSubjects(family, region))
                .storageType(StorageType.File)
                .retentionPolicy(RetentionPolicy.Limits)
                .discardPolicy(DiscardPolicy.Old)
                .maxAge(r.maxAge())
                .maxBytes(r.maxBytes())
                .duplicateWindow(r.originDuplicateWindow())
                .replicas(1)
                .allowDirect(true)
                .build();
    }

    /** The view in {@code region}'s domain sources every region's origin, its own included. */
    public static StreamConfiguration viewConfig(Family family, String region, List<String> allRegions, Retention r) {
        List<Source> sources = new ArrayList<>();
        for (String other : allRegions) {
            Source.Builder b = Source.builder().name(Naming.originStream(family, other));
            if (!other.equals(region)) {
                b.domain(Naming.domain(other));
            }
            sources.add(b.build());
        }
        return StreamConfiguration.builder()
                .name(Naming.viewStream(family))
                .description(family.token() + " events of every region, as seen in " + region)
                .storageType(StorageType.File)
                .retentionPolicy(RetentionPolicy.Limits)
                .discardPolicy(DiscardPolicy.Old)
                .maxAge(r.maxAge())
                .maxBytes(r.maxBytes())
                .duplicateWindow(r.viewDuplicateWindow())
                .sources(sources)
                .replicas(1)
                .allowDirect(true)
                .build();
    }

    /** How long and how much a region keeps of a family's dead letters. */
    static final Duration DEAD_LETTER_MAX_AGE = Duration.ofDays(90);
    static final long DEAD_LETTER_MAX_BYTES = 64L << 20;

    /**
     * The region's dead letters of {@code family}: kept 90 days, at most 64 MiB (a flood of
     * poison drops its oldest dead letters, never anything else's space). Publishers wait for
     * this stream's ack before they settle the original, so a dead letter is never only a log line.
     */
    public static StreamConfiguration deadLetterConfig(Family family, String region) {
        return StreamConfiguration.builder()
                .name(Naming.deadLetterStream(family))
                .description(family.token() + " messages that consumers in " + region + " could not process, with the reason")
                .subjects(Naming.deadLetterSubject(family, region))
                .storageType(StorageType.File)
                .retentionPolicy(RetentionPolicy.Limits)
                .discardPolicy(DiscardPolicy.Old)
                .maxAge(DEAD_LETTER_MAX_AGE)
                .maxBytes(DEAD_LETTER_MAX_BYTES)
                .duplicateWindow(Duration.ofMinutes(2))
                .replicas(1)
                .allowDirect(true)
                .build();
    }

    /**
     * The most one region's JetStream store can hold of everything but revocations: each capped
     * family's origin and view, and every family's dead letters. The region server's
     * max_file_store minus this is what revocations always have (checked against the rendered
     * limit in the renderer's tests).
     */
    public static long cappedBytesPerRegion() {
        long sum = 0;
        for (Family f : Family.values()) {
            long max = Retention.of(f).maxBytes();
            if (max > 0) {
                sum += 2 * max; // origin + view
            }
            sum += DEAD_LETTER_MAX_BYTES;
        }
        return sum;
    }

    /** Ensures the streams of {@code family} (origin, view, dead letters) exist in the domain {@code jsm} talks to. */
    public static void ensure(JetStreamManagement jsm, Family family, String region, List<String> allRegions)
            throws IOException, JetStreamApiException {
        Retention r = Retention.of(family);
        upsert(jsm, originConfig(family, region, r));
        upsert(jsm, viewConfig(family, region, allRegions, r));
        upsert(jsm, deadLetterConfig(family, region));
    }

    static StreamInfo upsert(JetStreamManagement jsm, StreamConfiguration sc) throws IOException, JetStreamApiException {
        try {
            jsm.getStreamInfo(sc.getName());
            return jsm.updateStream(sc);
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == 10059) { // stream not found
                return jsm.addStream(sc);
            }
            throw e;
        }
    }
}
