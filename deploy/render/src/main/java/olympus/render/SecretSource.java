package olympus.render;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Secrets named by a topology file: the file {@code <dir>/<kind>/<name>} (first line, trimmed), else
 * the environment variable {@code <prefix><KIND>_<NAME>} (upper case, '-' as '_'), e.g.
 * {@code secrets/nats/revocation-bus} or {@code OLYMPUS_SECRET_NATS_REVOCATION_BUS}. When neither
 * exists, a placeholder {@code CHANGE_ME-<kind>-<name>} goes into the file and {@link #missing()}
 * lists it, for the warning.
 */
public final class SecretSource implements Secrets {
    private final Path dir;
    private final String prefix;
    private final Map<String, String> env;
    private final Set<String> missing = new TreeSet<>();

    public SecretSource(Topology.SecretsConf conf, Map<String, String> env) {
        this.dir = conf.dir();
        this.prefix = conf.envPrefix();
        this.env = env;
    }

    public static final String PLACEHOLDER = "CHANGE_ME";

    @Override
    public String natsPassword(String user) {
        return lookup("nats", user);
    }

    @Override
    public String pgPassword(String role) {
        return lookup("postgres", role);
    }

    @Override
    public String redisPassword(String user) {
        return lookup("redis", user);
    }

    @Override
    public String token(String name) {
        return lookup("token", name);
    }

    /** Each secret not found, as "file F or $VAR". */
    public Set<String> missing() {
        return missing;
    }

    public String fileOf(String kind, String name) {
        return dir == null ? null : dir.resolve(kind).resolve(name).toString();
    }

    public String envOf(String kind, String name) {
        return prefix + (kind + "_" + name).toUpperCase(Locale.ROOT).replace('-', '_').replace('.', '_');
    }

    private String lookup(String kind, String name) {
        if (dir != null) {
            Path f = dir.resolve(kind).resolve(name);
            if (Files.isRegularFile(f)) {
                try {
                    String v = Files.readAllLines(f).stream().findFirst().orElse("").strip();
                    if (!v.isEmpty()) {
                        return check(v, f.toString());
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read secret file " + f, e);
                }
            }
        }
        String v = env.get(envOf(kind, name));
        if (v != null && !v.isBlank()) {
            return check(v.strip(), "$" + envOf(kind, name));
        }
        missing.add((dir == null ? "" : "file " + fileOf(kind, name) + " or ") + "$" + envOf(kind, name));
        return PLACEHOLDER + "-" + kind + "-" + name;
    }

    /** A value that would break the files it goes into (quotes, newlines, '$' for compose env files) is refused. */
    private static String check(String v, String where) {
        if (v.matches(".*[\"'\\\\$\\s].*")) {
            throw new IllegalArgumentException("secret " + where + " contains a quote, backslash, '$' or white space;"
                    + " use letters, digits and punctuation other than those");
        }
        return v;
    }
}
