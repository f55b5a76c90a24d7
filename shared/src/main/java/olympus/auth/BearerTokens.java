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
        return match(authorization) >= 0;
    }

    /**
     * Which configured token (its index in the list given) the header's bearer token is, or -1.
     * Compared with every token in constant time, never stopping early: a lookup that answers
     * faster for a near miss tells an attacker something about the real tokens.
     */
    public int match(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return -1;
        }
        byte[] given = authorization.substring(7).strip().getBytes(StandardCharsets.UTF_8);
        int found = -1;
        for (int i = 0; i < tokens.size(); i++) {
            if (MessageDigest.isEqual(tokens.get(i), given) && found < 0) {
                found = i;
            }
        }
        return found;
    }

    /** Configured tokens as an operator writes them: blank entries dropped, each stripped. */
    public static List<String> clean(List<String> configured) {
        return configured == null ? List.of() : configured.stream().filter(t -> !t.isBlank()).map(String::strip).toList();
    }
}
