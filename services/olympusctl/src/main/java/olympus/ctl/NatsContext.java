package olympus.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Nats;
import io.nats.client.Options;
import olympus.wire.Naming;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where olympusctl's NATS identity comes from: a NATS context, the nats CLI's JSON file
 * ({@code url}, {@code user} and {@code password}, or {@code nkey}: the path of an nkey seed
 * file), and for TLS {@code ca}, {@code cert} and {@code key} (PEM paths, as the nats CLI names them), named (looked up in {@code $XDG_CONFIG_HOME/nats/context/NAME.json}, else
 * {@code ~/.config/nats/context/NAME.json}) or given as a path. Never a password on the command
 * line, where every user of the host can read it in the process list.
 */
record NatsContext(String url, String user, String password, String nkeySeedFile, String ca, String cert, String key) {

    static NatsContext load(String nameOrPath) throws IOException {
        Path f = Path.of(nameOrPath);
        if (!Files.isRegularFile(f)) {
            String xdg = System.getenv("XDG_CONFIG_HOME");
            Path base = xdg == null || xdg.isBlank() ? Path.of(System.getProperty("user.home"), ".config") : Path.of(xdg);
            f = base.resolve("nats").resolve("context").resolve(nameOrPath + ".json");
        }
        if (!Files.isRegularFile(f)) {
            throw new IOException("no NATS context '" + nameOrPath + "' (neither a file nor " + f + ")");
        }
        JsonNode n = new ObjectMapper().readTree(f.toFile());
        return new NatsContext(text(n, "url"), text(n, "user"), text(n, "password"), text(n, "nkey"), text(n, "ca"), text(n, "cert"),
                text(n, "key"));
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() || v.asText().isBlank() ? null : v.asText();
    }

    /** The operator this identity is ({@code sre-alice}: alice), which names the command subject. */
    String operator(String override) {
        String op = override != null ? override : Naming.operatorOfUser(user);
        if (op == null) {
            throw new IllegalArgumentException("the context's user '" + user + "' is no operator's (sre-<operator>); pass --operator");
        }
        return Naming.requireOperator(op);
    }

    Options.Builder apply(Options.Builder b, String urlOverride) throws IOException {
        String server = urlOverride != null ? urlOverride : url != null ? url : "nats://127.0.0.1:4222";
        b.server(server);
        if (nkeySeedFile != null) {
            char[] seed = Files.readString(Path.of(nkeySeedFile), StandardCharsets.UTF_8).strip().toCharArray();
            b.authHandler(Nats.staticCredentials(null, seed));
        } else if (user != null) {
            b.userInfo(user, password == null ? "" : password);
        }
        if (user != null) {
            b.inboxPrefix(olympus.nats.Inboxes.prefix(user));
        }
        // Mutual TLS when the context names a CA: the servers ask for a client certificate.
        olympus.tls.TlsFiles tls = olympus.tls.TlsFiles.from(k -> switch (k) {
            case olympus.tls.TlsFiles.CA -> ca;
            case olympus.tls.TlsFiles.CERT -> cert;
            default -> key;
        });
        if (tls != null) {
            b.sslContext(tls.sslContext());
        }
        return b;
    }
}
