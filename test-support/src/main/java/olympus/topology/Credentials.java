package olympus.topology;

import olympus.render.NatsRole;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Passwords the topology generates on first start and keeps in {@code credentials.json}
 * (mode 0600) in its working directory: one NATS user per role, PostgreSQL roles, PgBouncer admin.
 */
public record Credentials(Map<String, String> nats, Map<String, String> postgres, Map<String, String> tokens,
                          Map<String, String> redis)
        implements olympus.render.Secrets {
    public static final String FILE = "credentials.json";

    // The HTTP API bearer tokens and secrets the services take from configuration
    // (REVOCATION_INGEST, ..., TOKENS) are olympus.render.Secrets' constants.

    public Credentials {
        nats = Map.copyOf(nats);
        postgres = Map.copyOf(postgres);
        tokens = tokens == null ? Map.of() : Map.copyOf(tokens);
        // Absent from files written before Redis had ACL users: made by withRedisUsers.
        redis = redis == null ? Map.of() : Map.copyOf(redis);
    }

    @Override
    public String redisPassword(String user) {
        return require(redis, user);
    }

    /** The same, with a password for every Redis ACL user of every region that has none yet; saved on the next up. */
    Credentials withRedisUsers(java.util.List<String> regions) {
        Map<String, String> m = new LinkedHashMap<>(redis);
        for (String r : regions) {
            olympus.render.RedisAcl.users(r, regions).forEach(u -> m.computeIfAbsent(u, k -> secret()));
        }
        return m.equals(redis) ? this : new Credentials(nats, postgres, tokens, m);
    }

    @Override
    public String natsPassword(String user) {
        return require(nats, user);
    }

    @Override
    public String token(String name) {
        return require(tokens, name);
    }

    /** The password of a role that has one user for all regions (sre, observer, admin). */
    public String natsPassword(NatsRole role) {
        if (role.perRegion()) {
            throw new IllegalArgumentException(role.user() + " has one user per region: natsPassword(role, region)");
        }
        return require(nats, role.user());
    }

    /** The password of the role's user in {@code region} ({@code ROLE-REGION} for a per-region role). */
    public String natsPassword(NatsRole role, String region) {
        return require(nats, role.user(region));
    }

    /** The same, with a password for every region's per-region users that has none yet; saved on the next up. */
    Credentials withRegionUsers(java.util.List<String> regions) {
        Map<String, String> n = new LinkedHashMap<>(nats);
        for (NatsRole role : NatsRole.values()) {
            if (!role.perRegion()) {
                continue;
            }
            for (String r : regions) {
                n.putIfAbsent(role.user(r), secret());
            }
        }
        return n.equals(nats) ? this : new Credentials(n, postgres, tokens, redis);
    }

    /** The same, with a password for every operator's user (sre-<operator>) that has none yet; saved on the next up. */
    Credentials withOperators(java.util.List<String> operators) {
        Map<String, String> n = new LinkedHashMap<>(nats);
        for (String op : operators) {
            n.putIfAbsent(olympus.wire.Naming.operatorUser(op), secret());
        }
        return n.equals(nats) ? this : new Credentials(n, postgres, tokens, redis);
    }

    @Override
    public String pgPassword(String role) {
        return require(postgres, role);
    }

    private static String require(Map<String, String> m, String k) {
        String v = m.get(k);
        if (v == null) {
            throw new TopologyException("no credentials for '" + k + "' in " + FILE);
        }
        return v;
    }

    static Credentials generate() {
        Map<String, String> n = new LinkedHashMap<>();
        for (NatsRole r : NatsRole.values()) {
            if (!r.perRegion()) {
                n.put(r.user(), secret());
            }
        }
        Map<String, String> p = new LinkedHashMap<>();
        for (String r : PgRoles.ALL) {
            p.put(r, secret());
        }
        Map<String, String> t = new LinkedHashMap<>();
        for (String k : TOKENS) {
            t.put(k, secret(k));
        }
        return new Credentials(n, p, t, Map.of());
    }

    /**
     * The same, with a new value for any token too short for what it is now used as (the CAEP
     * HMAC key was 24 characters before HS256 keys had to have 32 bytes), and one for any token
     * that did not exist when they were made; saved on the next up.
     */
    Credentials withLongEnoughTokens() {
        Map<String, String> t = new LinkedHashMap<>(tokens);
        for (String k : TOKENS) {
            // Also a token added since these credentials were made (the Ory hooks' tokens).
            if (!t.containsKey(k) || t.get(k).length() < length(k)) {
                t.put(k, secret(k));
            }
        }
        return new Credentials(nats, postgres, t, redis);
    }

    /** The credentials in {@code dir}, or new ones (not yet saved) when there are none. */
    static Credentials loadOrGenerate(Path dir) {
        Path f = dir.resolve(FILE);
        try {
            return Files.exists(f) ? new ObjectMapper().readValue(f.toFile(), Credentials.class).withLongEnoughTokens()
                    : generate();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f, e);
        }
    }

    void save(Path dir) {
        Path f = dir.resolve(FILE);
        try {
            Files.createDirectories(dir);
            new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(f.toFile(), this);
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + f, e);
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    /** HS256 wants a key of at least 32 bytes (RFC 7518 §3.2); 48 of these characters carry ~280 bits. */
    private static int length(String token) {
        return CAEP_HMAC.equals(token) ? 48 : 24;
    }

    private static String secret(String token) {
        return secret(length(token));
    }

    private static String secret() {
        return secret(24);
    }

    private static String secret(int length) {
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }
}
