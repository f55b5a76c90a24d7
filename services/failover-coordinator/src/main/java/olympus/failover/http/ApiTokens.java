package olympus.failover.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * The HTTP API's tokens, "token=principal:role" (role sre: every command; viewer: status and
 * history). A lookup compares the given token with every configured one in constant time and
 * never stops early: a map lookup (what this replaced) answers faster for a token that shares a
 * hash bucket or a prefix, which tells an attacker something about the real tokens.
 */
final class ApiTokens {
    /** Who a token belongs to. */
    record Caller(String principal, String role) {
        boolean sre() {
            return "sre".equals(role);
        }
    }

    private record Entry(byte[] token, Caller caller) {}

    private final List<Entry> entries = new ArrayList<>();

    ApiTokens(List<String> configured) {
        for (String e : configured == null ? List.<String>of() : configured) {
            int eq = e.indexOf('=');
            int colon = e.lastIndexOf(':');
            if (eq > 0 && colon > eq) {
                entries.add(new Entry(e.substring(0, eq).strip().getBytes(StandardCharsets.UTF_8),
                        new Caller(e.substring(eq + 1, colon).strip(), e.substring(colon + 1).strip())));
            }
        }
    }

    /** The caller of an {@code Authorization} header's bearer token, or null (none, or not one of ours). */
    Caller find(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        byte[] given = authorization.substring(7).strip().getBytes(StandardCharsets.UTF_8);
        Caller found = null;
        for (Entry e : entries) {
            if (MessageDigest.isEqual(e.token(), given) && found == null) {
                found = e.caller();
            }
        }
        return found;
    }
}
