package olympus.router.redis;

/** Redis keys of the markers. One namespace, so an operator can SCAN or flush the router's keys alone. */
final class MarkerKeys {
    private MarkerKeys() {}

    static final String PREFIX = "olympus:router:";

    static String userWrite(String userId) {
        return PREFIX + "w:u:" + userId;
    }

    static String sessionWrite(String sessionId) {
        return PREFIX + "w:s:" + sessionId;
    }

    static String sessionFresh(String sessionId) {
        return PREFIX + "n:s:" + sessionId;
    }
}
