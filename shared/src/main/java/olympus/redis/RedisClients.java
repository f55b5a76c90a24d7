package olympus.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.resource.ClientResources;
import olympus.tls.TlsFiles;

import java.time.Duration;

/**
 * How every service (and test) connects to a region's Redis: as its own ACL user, over TLS
 * against the deployment's CA only when the address is {@code rediss://}, presenting the host's
 * certificate (Redis asks for one: {@code tls-auth-clients yes}).
 */
public final class RedisClients {
    private RedisClients() {}

    /**
     * One Redis as a client sees it. The user and password are kept apart from the address so the
     * address can be logged; {@link #toString} never shows the password.
     *
     * @param uri      {@code rediss://host:port}, {@code redis://host:port} or {@code redis-socket:///path}
     * @param user     the ACL user; null: Redis' {@code default} user (a Redis without ACLs)
     * @param password null when {@code user} is null
     * @param tls      the host's TLS files; needed for {@code rediss://}
     */
    public record Endpoint(String uri, String user, String password, TlsFiles tls) {
        public Endpoint {
            if (uri == null || uri.isBlank()) {
                throw new IllegalArgumentException("no Redis address (REDIS_URI)");
            }
            user = user == null || user.isBlank() ? null : user;
            if (user != null && (password == null || password.isEmpty())) {
                throw new IllegalArgumentException("Redis user " + user + " has no password (REDIS_PASSWORD)");
            }
            if (uri.startsWith("rediss:") && tls == null) {
                // Lettuce would otherwise trust the JDK's public CAs: any certificate a public CA
                // signed for that address would do.
                throw new IllegalArgumentException(uri + " is TLS but no CA is set: set olympus.tls.ca|cert|key "
                        + "(OLYMPUS_TLS_CA, OLYMPUS_TLS_CERT, OLYMPUS_TLS_KEY)");
            }
        }

        /** The same Redis at another address (another region's, for the router's record path). */
        public Endpoint at(String otherUri) {
            return new Endpoint(otherUri, user, password, tls);
        }

        public RedisURI redisUri() {
            RedisURI u = RedisURI.create(uri);
            if (user != null) {
                u.setUsername(user);
                u.setPassword(password.toCharArray());
            }
            return u;
        }

        @Override
        public String toString() {
            return uri + (user == null ? "" : " as " + user);
        }
    }

    /**
     * Options for a request path: reconnect by itself, and refuse commands while disconnected
     * (a check must answer UNKNOWN at once, an apply must nak, instead of waiting for the timeout).
     */
    public static ClientOptions.Builder failFast(TimeoutOptions timeouts) {
        return ClientOptions.builder().autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(timeouts);
    }

    public static ClientOptions.Builder failFast(Duration timeout) {
        return failFast(TimeoutOptions.enabled(timeout));
    }

    /**
     * A client for {@code e} with {@code options}, TLS added when the address is {@code rediss://}.
     *
     * @param resources null: the client's own
     */
    public static RedisClient create(ClientResources resources, Endpoint e, ClientOptions.Builder options) {
        RedisURI u = e.redisUri();
        RedisClient c = resources == null ? RedisClient.create(u) : RedisClient.create(resources, u);
        if (u.isSsl()) {
            // Host name checked against the certificate's SANs (the renderer puts every address in).
            options.sslOptions(SslOptions.builder().jdkSslProvider()
                    .trustManager(e.tls().ca().toFile())
                    .keyManager(e.tls().cert().toFile(), e.tls().key().toFile(), null)
                    .build());
        }
        c.setOptions(options.build());
        return c;
    }
}
