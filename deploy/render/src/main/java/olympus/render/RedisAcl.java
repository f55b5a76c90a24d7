package olympus.render;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The ACL users of one region's Redis: each role may touch only its own keys with only the
 * commands it sends, and Redis' {@code default} user is off, so a client with no password gets
 * nothing (before, anyone who reached Redis could {@code FLUSHALL} then {@code SET rv:state ready},
 * and every check answered NOT_REVOKED). Passwords appear only as SHA-256 ({@code #hash}).
 *
 * <p>Key prefixes are the services' own: {@code rv:} (olympus.revocation Keys, the denylist),
 * {@code ic:} (the introspection cache the bus invalidates), {@code olympus:router:} (the
 * router's MarkerKeys).
 */
public final class RedisAcl {
    private RedisAcl() {}

    /** Operators and the tests: every command and key. */
    public static final String ADMIN = "admin";
    /**
     * A check client (Hydra's side, olympus-revocation-client): reads the denylist, may not
     * change it; keeps its own introspection cache; hears applied revocations.
     */
    public static final String READER = "revocation-reader";

    /** Connection set-up Lettuce and redis-cli send (HELLO with AUTH, CLIENT SETNAME, PING, SELECT). */
    private static final String CONNECT = "-@all +hello +auth +ping +select +client|setname +client|id +quit +reset";

    /** Every user of the region's Redis, in the order of {@link #lines}. */
    public static List<String> users(String region, List<String> regions) {
        List<String> u = new ArrayList<>();
        u.add(NatsRole.REVOCATION_BUS.user(region));
        // Every region's router records markers where the reads will happen (the record path).
        regions.forEach(r -> u.add(NatsRole.SESSION_ROUTER.user(r)));
        u.add(READER);
        u.add(ADMIN);
        return u;
    }

    /** The {@code user} directives for redis.conf. */
    public static List<String> lines(String region, List<String> regions, Secrets secrets) {
        List<String> l = new ArrayList<>();
        l.add("user default off resetkeys resetchannels -@all");
        String bus = NatsRole.REVOCATION_BUS.user(region);
        // The apply and state scripts call GET, SET, DEL, INCRBY, PEXPIRETIME and PUBLISH; the
        // deletion watch subscribes to key events and reads their setting (it may not change it:
        // CONFIG SET can rewrite any setting, so notify-keyspace-events is in this file).
        l.add(user(bus, secrets, "~rv:* ~ic:* &rv:applied &__keyevent@*__:del &__keyevent@*__:evicted",
                "+get +mget +set +del +incrby +pexpiretime +eval +evalsha +script|load +publish +subscribe +unsubscribe +config|get"));
        for (String r : regions) {
            l.add(user(NatsRole.SESSION_ROUTER.user(r), secrets, "~olympus:router:*", "+get +mget +set +del +eval +evalsha"));
        }
        l.add(user(READER, secrets, "%R~rv:* ~ic:* &rv:applied", "+get +mget +set +del +pttl +subscribe +unsubscribe"));
        l.add("user " + ADMIN + " on #" + sha256(secrets.redisPassword(ADMIN)) + " resetkeys resetchannels ~* &* +@all");
        return l;
    }

    private static String user(String name, Secrets secrets, String keysAndChannels, String commands) {
        return "user " + name + " on #" + sha256(secrets.redisPassword(name)) + " resetkeys resetchannels " + keysAndChannels + " "
                + CONNECT + " " + commands;
    }

    static String sha256(String password) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(password.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
