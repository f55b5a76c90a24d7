package olympus.topology;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import olympus.redis.RedisClients;
import olympus.render.Certs;
import olympus.render.NatsRole;
import olympus.render.RedisAcl;
import olympus.tls.TlsFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 17, the transport and the Redis side of the trust boundary, with real credentials: a
 * certificate from another CA is refused by NATS (region server and control node) and Redis even
 * with the right password; a client trusting only that other CA refuses our servers (an impostor
 * server is refused the same way); Redis refuses plain TCP and anonymous clients, and each role's
 * ACL user whatever is not its own. The NATS subject forgeries are PermissionsIT's; the router's
 * and the coordinator's HTTP forgeries are RouterIT's, FailoverFollowIT's and MigrationIT's
 * (see docs/security.md for the list and where each is tested).
 */
@ExtendWith(TopologyExtension.class)
class SecurityIT {
    private static final String REGION = "us-east";

    @TempDir
    static Path foreignDir;

    /** A CA the topology never heard of, and a client certificate it signed (valid for 127.0.0.1). */
    private static TlsFiles foreignWithOurCa;
    private static TlsFiles ourCertTrustingForeignCa;

    @BeforeAll
    static void foreignCa(LocalTopology t) {
        assumeTrue(t.tls(), "TLS is off (OLYMPUS_TOPOLOGY_TLS): nothing to refuse");
        Certs.ensureCa(foreignDir, "impostor");
        Certs.issue(foreignDir, foreignDir, "client", List.of("127.0.0.1"), List.of("localhost"));
        TlsFiles ours = t.tlsFiles(null);
        foreignWithOurCa = new TlsFiles(ours.ca(), foreignDir.resolve("client.crt"), foreignDir.resolve("client.key"));
        ourCertTrustingForeignCa = new TlsFiles(foreignDir.resolve(Certs.CA_CERT), ours.cert(), ours.key());
    }

    private static Options nats(LocalTopology t, String url, NatsRole role, TlsFiles tls) {
        String user = role.user(REGION);
        return olympus.nats.NatsClient.options(url, user, t.credentials().natsPassword(user), user, tls).maxReconnects(0)
                .connectionTimeout(Duration.ofSeconds(2)).build();
    }

    @Test
    void nats_refuses_a_client_certificate_of_another_ca_on_every_listener(LocalTopology t) throws Exception {
        for (String url : List.of(t.natsUrl(REGION), t.controlUrl(REGION))) {
            NatsRole role = url.equals(t.natsUrl(REGION)) ? NatsRole.REVOCATION_BUS : NatsRole.FAILOVER_COORDINATOR;
            // The right password does not help: the handshake fails first.
            assertThatThrownBy(() -> Nats.connect(nats(t, url, role, foreignWithOurCa))).as(url).isInstanceOf(Exception.class);
            // Our client refuses a server whose certificate its CA did not sign (an impostor server).
            assertThatThrownBy(() -> Nats.connect(nats(t, url, role, ourCertTrustingForeignCa))).as(url).isInstanceOf(Exception.class);
            try (Connection good = Nats.connect(nats(t, url, role, t.tlsFiles(null)))) {
                assertThat(good.getStatus()).as(url).isEqualTo(Connection.Status.CONNECTED);
            }
        }
    }

    @Test
    void nats_refuses_a_plain_connection(LocalTopology t) {
        String user = NatsRole.REVOCATION_BUS.user(REGION);
        Options plain = new Options.Builder().server(t.natsUrl(REGION)).userInfo(user, t.credentials().natsPassword(user))
                .maxReconnects(0).connectionTimeout(Duration.ofSeconds(2)).build();
        assertThatThrownBy(() -> Nats.connect(plain)).isInstanceOf(Exception.class);
    }

    private static String tryRedis(RedisClients.Endpoint e, String... command) {
        try (RedisClient c = RedisClients.create(null, e, ClientOptions.builder().autoReconnect(false));
             StatefulRedisConnection<String, String> conn = c.connect()) {
            conn.setTimeout(Duration.ofSeconds(3));
            return String.valueOf(conn.sync().dispatch(io.lettuce.core.protocol.CommandType.valueOf(command[0]),
                    new io.lettuce.core.output.StatusOutput<>(io.lettuce.core.codec.StringCodec.UTF8),
                    new io.lettuce.core.protocol.CommandArgs<>(io.lettuce.core.codec.StringCodec.UTF8)
                            .addValues(List.of(command).subList(1, command.length))));
        } catch (Exception ex) {
            StringBuilder b = new StringBuilder("refused:");
            for (Throwable c = ex; c != null; c = c.getCause()) {
                b.append(' ').append(c.getMessage());
            }
            return b.toString();
        }
    }

    @Test
    void redis_refuses_another_cas_certificate_plain_tcp_and_anonymous_clients(LocalTopology t) {
        RedisClients.Endpoint admin = t.redisAs(REGION, RedisAcl.ADMIN);
        assertThat(tryRedis(admin, "PING")).isEqualTo("PONG");
        assertThat(tryRedis(new RedisClients.Endpoint(admin.uri(), admin.user(), admin.password(), foreignWithOurCa), "PING"))
                .startsWith("refused");
        assertThat(tryRedis(new RedisClients.Endpoint(admin.uri(), admin.user(), admin.password(), ourCertTrustingForeignCa), "PING"))
                .startsWith("refused");
        assertThat(tryRedis(new RedisClients.Endpoint(admin.uri().replace("rediss://", "redis://"), admin.user(), admin.password(), null),
                "PING")).startsWith("refused");
        // TLS with our certificate but no user: Redis' default user is off.
        assertThat(tryRedis(new RedisClients.Endpoint(admin.uri(), null, null, t.tlsFiles(null)), "PING"))
                .startsWith("refused").contains("NOAUTH");
    }

    @Test
    void each_redis_user_may_touch_only_its_own_keys(LocalTopology t) {
        RedisClients.Endpoint bus = t.redisAs(REGION, NatsRole.REVOCATION_BUS.user(REGION));
        RedisClients.Endpoint router = t.redisAs(REGION, NatsRole.SESSION_ROUTER.user("eu-west"));
        RedisClients.Endpoint reader = t.redisAs(REGION, RedisAcl.READER);
        // The attack of the issue: empty the denylist, then claim it is complete.
        assertThat(tryRedis(bus, "FLUSHALL")).contains("NOPERM");
        assertThat(tryRedis(router, "SET", "rv:state", "ready")).contains("NOPERM");
        assertThat(tryRedis(reader, "SET", "rv:state", "ready")).contains("NOPERM");
        assertThat(tryRedis(router, "FLUSHALL")).contains("NOPERM");
        // CONFIG SET could rewrite dir/dbfilename (and so any file Redis can write).
        assertThat(tryRedis(bus, "CONFIG", "SET", "dir", "/tmp")).contains("NOPERM");
        assertThat(tryRedis(bus, "SET", "olympus:router:w:u:victim", "x")).contains("NOPERM");
        assertThat(tryRedis(router, "KEYS", "*")).contains("NOPERM");
        // Each may do its own work: every region's router marks here, the reader keeps its cache.
        assertThat(tryRedis(router, "SET", "olympus:router:w:u:security-it", "x", "PX", "60000")).isEqualTo("OK");
        assertThat(tryRedis(reader, "SET", "ic:jti:security-it", "x", "PX", "60000")).isEqualTo("OK");
        assertThat(tryRedis(bus, "SET", "rv:security-it", "x", "PX", "60000")).isEqualTo("OK");
    }

    /** psql (libpq reads PEM client keys, pgjdbc does not) against {@code port}; its output, or the error. */
    private static String psql(LocalTopology t, int port, String ssl) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("psql", "-X", "-qAt", "-c", "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                "host=127.0.0.1 port=" + port + " dbname=" + olympus.render.PgRoles.DATABASE + " user=" + olympus.render.PgRoles.APP
                        + " connect_timeout=5 " + ssl).redirectErrorStream(true);
        pb.environment().put("PGPASSWORD", t.credentials().pgPassword(olympus.render.PgRoles.APP));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        p.waitFor();
        return out;
    }

    @Test
    void postgres_and_pgbouncer_refuse_plain_connections_and_another_cas_certificate(LocalTopology t) throws Exception {
        assumeTrue(!t.hostsMode(), "asked at 127.0.0.1 from the test's namespace");
        String ca = "sslrootcert=" + t.tlsFiles(null).ca();
        String foreign = " sslcert=" + foreignWithOurCa.cert() + " sslkey=" + foreignWithOurCa.key();
        for (String region : List.of(t.primaryRegion(), "eu-west")) {
            for (int port : List.of(t.postgresPort(region), t.pgBouncerPort(region))) {
                String where = region + ":" + port;
                // The good path: verified TLS, and the session says it is encrypted.
                assertThat(psql(t, port, "sslmode=verify-full " + ca)).as(where).isEqualTo("t");
                assertThat(psql(t, port, "sslmode=disable")).as(where).containsAnyOf("no encryption", "SSL required");
                assertThat(psql(t, port, "sslmode=verify-full " + ca + foreign)).as(where)
                        .containsAnyOf("unknown ca", "certificate verify failed", "SSL error");
                // A client trusting another CA refuses our server (an impostor primary is refused the same way).
                assertThat(psql(t, port, "sslmode=verify-full sslrootcert=" + ourCertTrustingForeignCa.ca())).as(where)
                        .contains("certificate verify failed");
            }
        }
    }

    /** What a bus and a router of one region present when they dial another region's Redis: RedisURI with the ACL user. */
    @Test
    void the_endpoint_never_prints_its_password(LocalTopology t) {
        RedisClients.Endpoint e = t.redisAs(REGION, RedisAcl.ADMIN);
        assertThat(e.toString()).doesNotContain(e.password()).contains("as admin");
        RedisURI u = e.redisUri();
        assertThat(u.isSsl()).isTrue();
        assertThat(u.getUsername()).isEqualTo("admin");
    }
}
