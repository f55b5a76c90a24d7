package olympus.router.core;

/** Whether a replica read that came back empty should be retried on the primary. */
public record EmptyResultDecision(boolean retryOnPrimary, String primary, long epoch, Reason reason) {
    public enum Reason {
        /** A write or fresh-session marker exists for the key: the row may not have replicated yet. */
        MARKER_PRESENT,
        /** No marker: the id is unknown, random or forged; retrying would send it cross-region. */
        NO_MARKER,
        /** Markers cannot be read; reads with a key already went to the primary meanwhile. */
        MARKERS_UNAVAILABLE,
        /** The read was served by the primary already. */
        PRIMARY_IS_LOCAL
    }
}
