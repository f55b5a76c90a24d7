package olympus.revocation.core;

import java.util.concurrent.TimeoutException;

/**
 * The one place that decides whether a failure while applying is worth retrying. Retrying a
 * permanent failure blocks nothing (nak with delay) but wastes work forever; dropping a
 * transient one loses a revocation. When unsure, retry: a stuck message shows in the consumer
 * pending gauge, a lost revocation shows nowhere.
 */
public final class Failures {
    private Failures() {}

    public enum Kind { RETRY, POISON }

    public static Kind classify(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof olympus.wire.WireException) {
                return Kind.POISON;
            }
            if (c instanceof TimeoutException || c instanceof java.io.IOException) {
                return Kind.RETRY;
            }
        }
        return Kind.RETRY;
    }
}
