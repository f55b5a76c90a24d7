package olympus.nats;

import olympus.wire.Check;
import olympus.wire.Naming.Family;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The byte limits are what keep audit, lag and benchmark traffic from filling the region's
 * JetStream store that revocation ingest needs (the renderer's RenderTest checks the sum against
 * the rendered max_file_store).
 */
class StreamLayoutTest {
    @Test
    void everyFamilyButRevocationsIsCapped() {
        long capped = 0;
        for (Family f : Family.values()) {
            StreamLayout.Retention r = StreamLayout.Retention.of(f);
            if (f == Family.REVOCATION) {
                assertEquals(-1, r.maxBytes(), "revocations are what the store is for");
                continue;
            }
            assertTrue(r.maxBytes() > 0, f + " must have a byte limit");
            capped += 2 * r.maxBytes(); // its origin and its view in this region's domain
        }
        capped += Family.values().length * StreamLayout.DEAD_LETTER_MAX_BYTES;
        assertEquals(capped, StreamLayout.cappedBytesPerRegion());
    }

    @Test
    void revocationRetentionIsTheLongestKeepUntilTheWireAllows() {
        assertEquals(Check.MAX_KEEP, StreamLayout.Retention.of(Family.REVOCATION).maxAge());
        assertEquals(StreamLayout.DEAD_LETTER_MAX_BYTES, StreamLayout.deadLetterConfig(Family.REVOCATION, "eu-west").getMaxBytes());
        assertEquals(List.of("olympus.deadletter.revocation.eu-west"),
                StreamLayout.deadLetterConfig(Family.REVOCATION, "eu-west").getSubjects());
    }
}
