package olympus.router.core;

import java.time.Instant;

/**
 * A read-your-writes marker: writes (by a user or in a session) or a freshly created session.
 * {@code lsn} is the primary's WAL position at or after the newest such commit, when known: an
 * exact token that holds until the replica has replayed past it. {@code windowFrom} is the time
 * of the newest write whose position could NOT be learned: the weaker time-window fallback, and
 * decisions based on it say so. Either may be null, not both.
 */
public record Marker(Kind kind, long epoch, Long lsn, Instant windowFrom, String region) {
    public enum Kind {
        WRITE('W'),
        SESSION('S');

        final char code;

        Kind(char code) {
            this.code = code;
        }
    }

    public Marker {
        if (lsn == null && windowFrom == null) {
            throw new IllegalArgumentException("a marker needs an LSN or a window start");
        }
    }

    /**
     * Redis form: {@code v1|K|epoch(12 digits)|lsn(16 hex, or 16 '-')|windowFrom(13-digit epoch ms, or 0s)|region}.
     * Fixed widths let the record script merge two markers with string comparisons: the larger
     * (epoch, lsn) pair wins (a newer primary generation first; '-' sorts below digits so a known
     * LSN beats an unknown one), and the later window start wins.
     */
    public String encode() {
        String l = lsn == null ? "----------------" : String.format("%016X", lsn);
        String w = String.format("%013d", windowFrom == null ? 0 : windowFrom.toEpochMilli());
        return "v1|" + kind.code + "|" + String.format("%012d", epoch) + "|" + l + "|" + w + "|" + region;
    }

    /** Null for a value that is not a marker: a corrupt value must not crash the read path. */
    public static Marker decode(String s) {
        if (s == null) {
            return null;
        }
        String[] p = s.split("\\|", -1);
        if (p.length != 6 || !p[0].equals("v1") || p[1].length() != 1 || p[2].length() != 12
                || p[3].length() != 16 || p[4].length() != 13) {
            return null;
        }
        try {
            Kind k = switch (p[1].charAt(0)) {
                case 'W' -> Kind.WRITE;
                case 'S' -> Kind.SESSION;
                default -> null;
            };
            if (k == null) {
                return null;
            }
            Long lsn = p[3].startsWith("-") ? null : Long.parseUnsignedLong(p[3], 16);
            long w = Long.parseLong(p[4]);
            Instant windowFrom = w == 0 ? null : Instant.ofEpochMilli(w);
            if (lsn == null && windowFrom == null) {
                return null;
            }
            return new Marker(k, Long.parseLong(p[2]), lsn, windowFrom, p[5]);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
