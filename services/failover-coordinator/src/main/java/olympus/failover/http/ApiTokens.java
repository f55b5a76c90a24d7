package olympus.failover.http;

import olympus.auth.BearerTokens;

import java.util.ArrayList;
import java.util.List;

/**
 * The HTTP API's tokens, "token=principal:role" (role sre: every command; viewer: status and
 * history). The comparison is the shared {@link BearerTokens}' (constant time, against every
 * token); a map lookup (what this replaced) answers faster for a near miss.
 */
final class ApiTokens {
    /** Who a token belongs to. */
    record Caller(String principal, String role) {
        boolean sre() {
            return "sre".equals(role);
        }
    }

    private final BearerTokens tokens;
    /** The callers, in the order of the tokens given to {@link #tokens}. */
    private final List<Caller> callers = new ArrayList<>();

    ApiTokens(List<String> configured) {
        List<String> secrets = new ArrayList<>();
        for (String e : configured == null ? List.<String>of() : configured) {
            int eq = e.indexOf('=');
            int colon = e.lastIndexOf(':');
            if (eq > 0 && colon > eq) {
                secrets.add(e.substring(0, eq).strip());
                callers.add(new Caller(e.substring(eq + 1, colon).strip(), e.substring(colon + 1).strip()));
            }
        }
        this.tokens = new BearerTokens(secrets, false);
    }

    /** The caller of an {@code Authorization} header's bearer token, or null (none, or not one of ours). */
    Caller find(String authorization) {
        int i = tokens.match(authorization);
        return i < 0 ? null : callers.get(i);
    }
}
