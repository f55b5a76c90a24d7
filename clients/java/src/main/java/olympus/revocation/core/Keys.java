package olympus.revocation.core;

/**
 * Redis key layout of one region's denylist, shared by the service (which writes it) and the
 * client library (which reads it and caches introspection results next to it). Changing a key
 * here is a data migration: every region must rebuild (flush and replay) after such a change.
 *
 * <p>All values live in the region's own Redis; none is authoritative. The view stream is the
 * record, Redis is a rebuildable projection of it.
 */
public final class Keys {
    private Keys() {}

    public static final String PREFIX = "rv:";

    /**
     * Present with value {@link #READY} once the denylist holds every event of the view stream up
     * to the point it was (re)built. Absent after a flush or a restart of an empty Redis: a check
     * that finds nothing else then cannot say "not revoked", because the denylist may be empty.
     */
    public static final String STATE = PREFIX + "state";
    public static final String READY = "ready";
    public static final String REBUILDING_PREFIX = "rebuilding:";

    /**
     * The highest view-stream sequence any apply has written, raised in the same script call as
     * the batch (never lowered). Compared with the durable consumer's ack floor to notice a
     * Redis that lost acknowledged writes ({@link Completeness}).
     */
    public static final String APPLIED_SEQ = PREFIX + "seq";

    /** Total of first-time applications (one per event id since the last flush): the side-effect count. */
    public static final String APPLIED_COUNT = PREFIX + "stats:applied";

    /** Redis pub/sub channel on which the service announces what it has just applied in this region. */
    public static final String APPLIED_CHANNEL = PREFIX + "applied";

    public static String applied(String eventId) {
        return PREFIX + "ev:" + eventId;
    }

    public static String jti(String jti) {
        return PREFIX + "jti:" + jti;
    }

    public static String tokenHash(String sha256Hex) {
        return PREFIX + "th:" + sha256Hex;
    }

    public static String session(String sessionId) {
        return PREFIX + "sid:" + sessionId;
    }

    /** Watermark: epoch millis; tokens and sessions of the subject issued before it are revoked. */
    public static String subjectWatermark(String subject) {
        return PREFIX + "wm:sub:" + subject;
    }

    public static String clientWatermark(String clientId) {
        return PREFIX + "wm:cli:" + clientId;
    }

    /** Cached introspection result of a token (client library), keyed like the denylist entry. */
    public static String introspectionByJti(String jti) {
        return "ic:jti:" + jti;
    }

    public static String introspectionByTokenHash(String sha256Hex) {
        return "ic:th:" + sha256Hex;
    }

    /** Cached session lookup (whoami) result. */
    public static String introspectionBySession(String sessionId) {
        return "ic:sid:" + sessionId;
    }
}
