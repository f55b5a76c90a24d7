package olympus.nats;

import io.nats.client.Options;
import olympus.tls.TlsFiles;

import java.time.Duration;

/**
 * The connection options every service starts from, so that the five services and the tools
 * cannot differ on what matters: the user's own inbox prefix ({@link Inboxes}), reconnecting
 * forever (durable consumers resume where they stopped), and mutual TLS against the deployment's
 * CA when {@code tls} is given (the server then refuses a client without a certificate of that CA,
 * and the client refuses a server without one). Connect timeout 6 s, above the servers' 5 s TLS
 * handshake timeout (NatsConfigs): a cold first handshake on a loaded host must not fail a start.
 */
public final class NatsClient {
    private NatsClient() {}

    /** {@code user} null or blank: no credentials (a server without authorization, unit-test setups). */
    public static Options.Builder options(String url, String user, String password, String connectionName, TlsFiles tls) {
        Options.Builder b = new Options.Builder().server(url).connectionName(connectionName).maxReconnects(-1)
                .reconnectWait(Duration.ofMillis(250)).connectionTimeout(Duration.ofSeconds(6));
        if (user != null && !user.isBlank()) {
            b.userInfo(user, password == null ? "" : password).inboxPrefix(Inboxes.prefix(user));
        }
        if (tls != null) {
            b.sslContext(tls.sslContext());
        }
        return b;
    }
}
