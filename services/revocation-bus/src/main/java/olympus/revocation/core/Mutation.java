package olympus.revocation.core;

import java.util.List;

/**
 * What applying one event does to a region's Redis, as data, so the pure planner can be tested
 * with tables and the Redis adapter executes it as one atomic script.
 *
 * @param eventId idempotency key; the script applies nothing if {@code Keys.applied(eventId)} exists
 * @param kind the revocation kind, for metrics and the applied announcement
 * @param mode SET (a denylist entry) or WATERMARK (only ever moves forward)
 * @param keys the denylist entries (a token named by jti and hash has two) or the one watermark key
 * @param value entry value (event id and reason) or watermark (epoch millis)
 * @param expireAtMillis when Redis may drop the entry: keep-until; a later expiry already set wins
 * @param invalidate cached introspection results to delete in the same step
 * @param originRegion where the event was ingested, for the propagation-latency metric
 * @param occurredAtMillis when the origin accepted it (origin's clock)
 */
public record Mutation(String eventId, String kind, Mode mode, List<String> keys, String value, long expireAtMillis,
                       List<String> invalidate, String originRegion, long occurredAtMillis) {
    public enum Mode { SET, WATERMARK }

    public Mutation {
        keys = List.copyOf(keys);
        invalidate = List.copyOf(invalidate);
    }
}
