package olympus.revocation.core;

import java.time.Instant;
import java.util.List;

/**
 * Decides a check from the values Redis returned for {@link CheckQuery#keys()}. Pure.
 *
 * <p>A positive answer is always certain (an entry exists), so it is given even while the
 * denylist is being rebuilt: revocations already re-applied are enforced at once. A negative
 * answer is only given when the state key says the denylist is complete; otherwise the answer is
 * {@link Verdict.Status#UNKNOWN}, which callers treat as revoked.
 */
public final class CheckAssessor {
    /** The reason of the most common answer. */
    public static final String NO_MATCH = "no revocation matches";

    private CheckAssessor() {}

    /**
     * As {@link #assess(CheckQuery, List)}, and a negative answer also needs Redis to hold at
     * least what this service itself has written there: a Redis restored from an older snapshot,
     * or failed over to a lagging replica, still says ready, but its applied-sequence mark went
     * back. From the first check after such a loss until the rebuild, the answer is UNKNOWN.
     *
     * @param heldSeq  the value of {@link Keys#APPLIED_SEQ} (null: absent)
     * @param knownSeq the highest sequence this service saw Redis accept (0: none yet)
     */
    public static Verdict assess(CheckQuery q, List<String> values, String heldSeq, long knownSeq) {
        Verdict v = assess(q, values);
        if (v.status() != Verdict.Status.NOT_REVOKED || knownSeq <= 0) {
            return v;
        }
        long held;
        try {
            held = heldSeq == null ? 0 : Long.parseLong(heldSeq);
        } catch (NumberFormatException e) {
            held = 0;
        }
        if (held < knownSeq) {
            return new Verdict(Verdict.Status.UNKNOWN, "Redis holds the view stream up to sequence " + held
                    + " but this service wrote up to " + knownSeq
                    + ": Redis lost acknowledged revocations (restore or failover); cannot vouch for a negative answer "
                    + "until it is rebuilt", null, null);
        }
        return v;
    }

    /** @param values one per key of {@code q.keys()}, null where the key is absent */
    public static Verdict assess(CheckQuery q, List<String> values) {
        List<CheckQuery.Part> parts = q.parts();
        if (values.size() != parts.size() + 1) {
            throw new IllegalArgumentException("expected " + (parts.size() + 1) + " values, got " + values.size());
        }
        for (int i = 0; i < parts.size(); i++) {
            String v = values.get(i);
            if (v == null) {
                continue;
            }
            switch (parts.get(i)) {
                case JTI, TOKEN_HASH, SESSION -> {
                    return entry(parts.get(i), v);
                }
                case SUBJECT, CLIENT -> {
                    Verdict w = watermark(parts.get(i), v, q.iat());
                    if (w != null) {
                        return w;
                    }
                }
            }
        }
        String state = values.get(parts.size());
        if (!Keys.READY.equals(state)) {
            return new Verdict(Verdict.Status.UNKNOWN, state == null
                    ? "denylist is empty or was flushed and not yet rebuilt: cannot vouch for a negative answer"
                    : "denylist is being rebuilt from the view stream: cannot vouch for a negative answer yet",
                    null, null);
        }
        return new Verdict(Verdict.Status.NOT_REVOKED, NO_MATCH, null, null);
    }

    private static Verdict entry(CheckQuery.Part part, String value) {
        int tab = value.indexOf('\t');
        String eventId = tab < 0 ? value : value.substring(0, tab);
        String why = tab < 0 ? "" : ": " + value.substring(tab + 1);
        return new Verdict(Verdict.Status.REVOKED, label(part) + " revoked by event " + eventId + why, label(part), eventId);
    }

    private static Verdict watermark(CheckQuery.Part part, String value, Instant iat) {
        long before;
        try {
            before = Long.parseLong(value);
        } catch (NumberFormatException e) {
            // Corrupt watermark: refusing is the safe reading.
            return new Verdict(Verdict.Status.UNKNOWN, label(part) + " watermark is unreadable: '" + value + "'", label(part), null);
        }
        if (iat.toEpochMilli() < before) {
            return new Verdict(Verdict.Status.REVOKED, label(part) + " revoked: everything issued before "
                    + Instant.ofEpochMilli(before) + " (iat " + iat + ")", label(part), null);
        }
        return null;
    }

    static String label(CheckQuery.Part p) {
        return switch (p) {
            case JTI -> "jti";
            case TOKEN_HASH -> "tokenHash";
            case SESSION -> "session";
            case SUBJECT -> "subject";
            case CLIENT -> "client";
        };
    }
}
