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

    /**
     * What the event revokes (kind, mode and entry keys), as a short digest. Stored as the event
     * id's applied marker: an event id arriving again with the same identity is a retry (a
     * duplicate), with another it is a different revocation reusing the id, which would
     * otherwise be silently dropped as a "duplicate". Times are left out on purpose: a retry
     * without explicit instants gets new ones.
     */
    public String identity() {
        try {
            java.security.MessageDigest d = java.security.MessageDigest.getInstance("SHA-256");
            d.update((kind + "|" + mode + "|" + String.join("|", keys)).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d.digest(), 0, 12);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
