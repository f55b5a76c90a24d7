package olympus.agent.core;

import olympus.wire.Lsn;

import java.util.ArrayList;
import java.util.List;

/**
 * Whether a running replica can simply follow a new primary, or has WAL the new primary's
 * history does not contain and must be rewound first. Pure: the agent reads the inputs and acts.
 *
 * <p>Why it matters: a failover promotes a replica that may have received less of the old
 * primary's WAL than another replica did (the cut or crash stops the stream to each replica at a
 * different point; an SRE may name the less advanced one). The new primary's timeline forks at
 * the end of what it had. A replica that replayed past that fork point can never follow it:
 * PostgreSQL logs "new timeline N forked off current database system timeline M before current
 * recovery point" every five seconds and the replica stays on the dead timeline for good (CI saw
 * exactly this). Only a rewind (pg_rewind, or a fresh clone) brings it back; the WAL it had past
 * the fork point is lost with the old primary's, which the failover's lag guard already accepted.
 *
 * @param rewind whether the replica must be rewound before it can follow
 * @param reason what was compared, for the log and the command's result
 */
public record Divergence(boolean rewind, String reason) {

    /** One line of a timeline history file: {@code timeline} ended at {@code switchLsn}, where its child began. */
    public record Switch(int timeline, long switchLsn) {}

    /**
     * Parses a timeline history file ({@code 0000000C.history}): one {@code parentTLI <tab>
     * switchpoint <tab> reason} line per ancestor; blank lines and {@code #} comments skipped.
     */
    public static List<Switch> parseHistory(String text) {
        List<Switch> out = new ArrayList<>();
        if (text == null) {
            return out;
        }
        for (String line : text.split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] f = l.split("\\s+");
            if (f.length < 2) {
                throw new IllegalArgumentException("timeline history line '" + l + "' is not 'timeline switchpoint reason'");
            }
            out.add(new Switch(Integer.parseInt(f[0]), Lsn.parse(f[1])));
        }
        return out;
    }

    /**
     * @param region          this replica's region
     * @param timeline        the timeline this replica is on (the highest it has WAL for)
     * @param position        the furthest WAL it holds: the larger of its replay and receive positions
     * @param primary         the new primary's region
     * @param primaryTimeline the new primary's current timeline
     * @param history         the new primary's timeline history (empty on timeline 1)
     */
    public static Divergence decide(String region, int timeline, long position, String primary, int primaryTimeline, List<Switch> history) {
        String at = region + " holds WAL to " + Lsn.format(position) + " on timeline " + timeline;
        if (timeline == primaryTimeline) {
            return new Divergence(false, at + ", the timeline " + primary + " writes on: it follows as it is");
        }
        if (timeline > primaryTimeline) {
            return new Divergence(true, at + ", newer than " + primary + "'s timeline " + primaryTimeline
                    + ": its history is not " + primary + "'s; rewinding it");
        }
        for (Switch s : history) {
            if (s.timeline() == timeline) {
                if (Lsn.atOrAfter(s.switchLsn(), position)) {
                    return new Divergence(false, at + ", at or before " + Lsn.format(s.switchLsn()) + " where " + primary
                            + "'s history leaves timeline " + timeline + ": it follows as it is");
                }
                return new Divergence(true, at + ", past " + Lsn.format(s.switchLsn()) + " where " + primary + "'s history leaves timeline "
                        + timeline + " (" + Lsn.bytes(position - s.switchLsn()) + " that " + primary + " never had): PostgreSQL cannot "
                        + "follow it; rewinding it");
            }
        }
        return new Divergence(true, at + ", which is not in " + primary + "'s history (timeline " + primaryTimeline
                + "): rewinding it");
    }
}
