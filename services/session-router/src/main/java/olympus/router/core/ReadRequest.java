package olympus.router.core;

/** A read about to happen: who (user and/or session, either may be null) and which operation. */
public record ReadRequest(String userId, String sessionId, String operation) {
    public boolean hasKey() {
        return userId != null || sessionId != null;
    }
}
