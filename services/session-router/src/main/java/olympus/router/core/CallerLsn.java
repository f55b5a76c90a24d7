package olympus.router.core;

import olympus.wire.Lsn;

/**
 * Whether a WAL position a caller gives with its write may stand as its read-your-writes marker.
 *
 * <p>A commit's position is never ahead of the primary's WAL. One that is (a typo, a position
 * from another cluster, or a forged {@code FFFFFFFF/FFFFFFFF}) would send every read of that user
 * to the primary for the marker's whole lifetime, since no replica ever replays that far. So a
 * caller's position is taken only once it is known to exist: a replica has already replayed it
 * (no query), or else the primary's current position, asked after the caller's commit, is at or
 * past it (one query, the same the router makes for a write recorded without a position). Pure:
 * the controller does the asking.
 */
public record CallerLsn(Verdict verdict, Long lsn, String detail) {

    public enum Verdict {
        /** The position exists: store it as the marker. */
        ACCEPT,
        /** Not known yet: read the primary's current position and judge again. */
        ASK_PRIMARY,
        /** Ahead of the primary's WAL: not a commit's position; refuse the request. */
        REFUSE,
        /** The primary could not be asked: a time-window marker instead (no guarantee past the window). */
        WINDOW
    }

    /**
     * @param replayed     the furthest position a replica of the current primary is known to have
     *                     replayed (null: none known)
     * @param primaryNow   the primary's current position, once asked (null: not asked, or it failed)
     * @param primaryError why asking the primary failed (null: not asked, or it answered)
     */
    public static CallerLsn judge(long caller, Long replayed, String primary, Long primaryNow, String primaryError) {
        if (replayed != null && Lsn.atOrAfter(replayed, caller)) {
            return new CallerLsn(Verdict.ACCEPT, caller, "a replica has replayed " + Lsn.format(replayed));
        }
        if (primaryNow != null) {
            if (Lsn.atOrAfter(primaryNow, caller)) {
                return new CallerLsn(Verdict.ACCEPT, caller, "the primary " + primary + " is at " + Lsn.format(primaryNow));
            }
            return new CallerLsn(Verdict.REFUSE, null, "lsn " + Lsn.format(caller) + " is ahead of the primary " + primary
                    + "'s current WAL position " + Lsn.format(primaryNow) + ": not the position of a commit (send the "
                    + "pg_current_wal_lsn() read after your commit, or no lsn and the router reads it)");
        }
        if (primaryError != null) {
            return new CallerLsn(Verdict.WINDOW, null, "lsn " + Lsn.format(caller) + " could not be checked against the primary "
                    + primary + " (" + primaryError + "): time-window marker, no guarantee past the window");
        }
        return new CallerLsn(Verdict.ASK_PRIMARY, null, "no replica has replayed " + Lsn.format(caller) + " yet");
    }
}
