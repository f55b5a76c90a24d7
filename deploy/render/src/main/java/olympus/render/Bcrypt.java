package olympus.render;

import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * bcrypt hashes ({@code $2a$}, what nats-server compares a client's password against when the
 * configured one starts with {@code $2}) for the passwords in rendered NATS configs, so a config
 * file read off a host gives no password away.
 *
 * <p>Cost {@value #COST}: the generated passwords are 24 random characters (about 140 bits), so
 * the hash's work factor adds nothing against guessing them; what it costs is server CPU on every
 * connection (at cost 11, the nats CLI's default, tens of milliseconds per connect). An operator
 * who sets short human-chosen passwords should not: use generated ones.
 *
 * <p>One hash per password per process (each rendering writes the same users into several
 * configs; a new salt each run is fine, the server accepts any).
 */
public final class Bcrypt {
    private Bcrypt() {}

    static final int COST = 8;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Map<String, String> HASHES = new ConcurrentHashMap<>();

    public static String hash(String password) {
        return HASHES.computeIfAbsent(password, p -> {
            byte[] salt = new byte[16];
            RANDOM.nextBytes(salt);
            return OpenBSDBCrypt.generate("2a", p.toCharArray(), salt, COST);
        });
    }

    public static boolean matches(String hash, String password) {
        return OpenBSDBCrypt.checkPassword(hash, password.toCharArray());
    }
}
