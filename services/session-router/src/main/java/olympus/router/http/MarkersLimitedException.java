package olympus.router.http;

import olympus.router.core.MarkerLimits;

/** A marker call over its caller's budget (router.marker-rate): 429, Retry-After, nothing recorded. */
public final class MarkersLimitedException extends RuntimeException {
    private final transient MarkerLimits.Verdict verdict;

    MarkersLimitedException(MarkerLimits.Verdict verdict) {
        // Stackless: a caller over its limit may send many, and the trace says nothing.
        super(verdict.detail(), null, false, false);
        this.verdict = verdict;
    }

    public MarkerLimits.Verdict verdict() {
        return verdict;
    }
}
