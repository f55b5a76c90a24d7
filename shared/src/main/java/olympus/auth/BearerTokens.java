package olympus.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * Bearer-token authentication against the configured list; constant-time comparison. Shared by
 * the revocation-bus's APIs and hooks and the session-router's Kratos hook.
 */
public final class BearerTokens {
    private final List<byte[]> tokens;
    private final boolean open;

    /** @param open whether an empty list means "no authentication" (checks) or "nobody" (ingest) */
    public BearerTokens(List<String> tokens, boolean open) {
        this.tokens = tokens.stream().map(t -> t.getBytes(StandardCharsets.UTF_8)).toList();
        this.open = open;
    }

    /** Whether any token is configured. */
    public boolean configured() {
        return !tokens.isEmpty();
    }

    public boolean allows(String authorization) {
        if (tokens.isEmpty()) {
            return open;
        }
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] given = authorization.substring(7).strip().getBytes(StandardCharsets.UTF_8);
        boolean ok = false;
        for (byte[] t : tokens) {
            ok |= MessageDigest.isEqual(t, given);
        }
        return ok;
    }
}
