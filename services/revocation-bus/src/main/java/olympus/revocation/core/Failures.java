package olympus.revocation.core;

import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * The one place that decides whether a failure while applying is worth retrying. Retrying a
 * permanent failure forever stalls nothing else but never ends; dropping a transient one loses a
 * revocation. So: transient means Redis cannot write anything right now (down, out of memory,
 * loading, read-only replica, busy script), and the message is retried; anything Redis answers
 * about one event itself (wrong type, value out of range) is that event's and will fail the same
 * way every time, so it is dead-lettered.
 */
public final class Failures {
    private Failures() {}

    public enum Kind { RETRY, POISON }

    /** Redis error prefixes that say "not now" rather than "never". */
    static final List<String> TRANSIENT_REPLIES = List.of("OOM", "BUSY", "LOADING", "READONLY", "MASTERDOWN",
            "NOSCRIPT", "TRYAGAIN", "CLUSTERDOWN", "NOREPLICAS", "MISCONF");

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

    /** An error Redis returned for one event inside the apply script. */
    public static Kind classifyReply(String error) {
        if (error == null) {
            return Kind.RETRY;
        }
        // Inside a script Redis prefixes the command's error with the script's own text
        // ("ERR Error running script ... : OOM command not allowed ..."): look for the code anywhere.
        String e = error.toUpperCase(java.util.Locale.ROOT);
        for (String code : TRANSIENT_REPLIES) {
            if (e.startsWith(code + " ") || e.contains(" " + code + " ") || e.contains("-" + code + " ")) {
                return Kind.RETRY;
            }
        }
        return Kind.POISON;
    }
}
