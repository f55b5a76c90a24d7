package olympus.render;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Renders deploy/topology.example.yml and checks what each host gets. */
class RenderTest {
    /** The module's directory is deploy/render; the example is one folder up. */
    static final Path EXAMPLE = Path.of("..", "topology.example.yml");

    static final List<String> HOSTS = List.of("olympus-us-east-1", "olympus-eu-west-1", "olympus-ap-south-1");

    @TempDir
    Path out;

    private String read(String rel) throws IOException {
        return Files.readString(out.resolve(rel));
    }

    /** What the last render printed on standard error (the warnings). */
    private String warnings = "";

    private String render(Path topology, Map<String, String> env) {
        return render(topology, out, env);
    }

    private String render(Path topology, Path to, Map<String, String> env) {
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true));
        System.setErr(new PrintStream(err, true));
        try {
            assertThat(RenderMain.run(topology, to, env)).isZero();
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        warnings = err.toString();
        return buf.toString();
    }

    @Test
    void everyHostGetsEveryFile() throws IOException {
        String progress = render(EXAMPLE, Map.of());
        for (String h : HOSTS) {
            for (String f : List.of("nats/nats.conf", "nats-control/nats.conf", "redis/redis.conf", "pgbouncer/pgbouncer.ini",
                    "pgbouncer/userlist.txt", "postgresql/olympus.conf", "postgresql/pg_hba.olympus.conf")) {
                assertThat(out.resolve(h).resolve(f)).isRegularFile();
                assertThat(progress).contains("render: wrote " + out.resolve(h).resolve(f));
            }
            for (String s : ServiceEnv.SERVICES) {
                assertThat(out.resolve(h).resolve("env").resolve(s + ".env")).isRegularFile();
            }
        }
        assertThat(warnings).contains("render: WARNING: 47 secrets not found", "$OLYMPUS_SECRET_NATS_ROUTE",
                "$OLYMPUS_SECRET_REDIS_REVOCATION_BUS_EU_WEST", "$OLYMPUS_SECRET_REDIS_ADMIN",
                "$OLYMPUS_SECRET_TOKEN_ROUTER_API");
        // A set: compare as one, its toString order is not fixed.
        assertThat(Files.getPosixFilePermissions(out.resolve("olympus-us-east-1/pgbouncer/userlist.txt")))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void regionServerHasItsDomainLeafRemotesAndEveryRolesPermissions() throws IOException {
        render(EXAMPLE, Map.of());
        String conf = read("olympus-eu-west-1/nats/nats.conf");
        assertThat(conf).contains("server_name: \"eu-west\"", "domain: \"eu-west\"", "listen: \"0.0.0.0:4222\"",
                "http: \"0.0.0.0:8222\"", "store_dir: \"/data\"", "deny_imports: [\"$JS.ACK.>\"]");
        // Own region's control node first (by compose service name), then the others at their addresses.
        assertThat(conf).containsPattern("urls: \\[\"nats-leaf://leaf-eu-west:[^@]+@nats-control:7422\", "
                + "\"nats-leaf://leaf-eu-west:[^@]+@10.10.1.10:7423\", \"nats-leaf://leaf-eu-west:[^@]+@10.10.3.10:7423\"\\]");
        for (NatsRole r : NatsRole.clientRoles()) {
            assertThat(conf).contains("{ user: \"" + r.user() + "\"");
        }
        assertThat(conf).contains("olympus.revocation-bus.express.*", "\"olympus.agent.*\"");
        for (String region : List.of("us-east", "eu-west", "ap-south")) {
            assertThat(conf).contains("{ user: \"node-agent-" + region + "\"", "\"olympus.agent." + region + "\"",
                    "$KV.olympus_control.agent." + region);
            for (NatsRole r : NatsRole.regionalRoles()) {
                assertThat(conf).contains("{ user: \"" + r.user(region) + "\"");
            }
            assertThat(conf).contains("\"olympus.revocation." + region + ".>\"", "\"$KV.olympus_lag." + region + "\"",
                    "\"$KV.olympus_control.observer." + region + "\"");
        }
        // One user per operator named in the topology, each on its own command subject; no shared sre.
        assertThat(conf).contains("{ user: \"sre-alice\"", "\"olympus.control.cmd.alice.>\"", "{ user: \"sre-bob\"")
                .doesNotContain("{ user: \"sre\"", "\"olympus.control.cmd.>\", \"$JS");
        assertThat(conf).doesNotContain("{ user: \"revocation-bus\"", "\"olympus.revocation.*.>\", \"olympus.deadletter");
        assertThat(conf).doesNotContain("127.0.0.1");
    }

    /** Issue 18: the audit stream (365 days) once had no byte limit and could fill the store revocations need. */
    @Test
    void everythingButRevocationsLeavesAtLeastOneGibOfTheRegionStore() throws IOException {
        render(EXAMPLE, Map.of());
        assertThat(read("olympus-eu-west-1/nats/nats.conf")).contains("max_file_store: " + NatsConfigs.REGION_FILE_STORE_BYTES);
        long capped = olympus.nats.StreamLayout.cappedBytesPerRegion();
        System.out.printf("capped families take at most %d MiB of the region's %d MiB store%n", capped >> 20,
                NatsConfigs.REGION_FILE_STORE_BYTES >> 20);
        assertThat(NatsConfigs.REGION_FILE_STORE_BYTES - capped).isGreaterThanOrEqualTo(1L << 30);
    }

    @Test
    void controlNodeRoutesToTheOthersAtTheirAddresses() throws IOException {
        render(EXAMPLE, Map.of());
        String conf = read("olympus-us-east-1/nats-control/nats.conf");
        assertThat(conf).contains("server_name: \"control-us-east\"", "domain: \"control\"", "advertise: \"10.10.1.10:6222\"",
                "listen: \"0.0.0.0:6222\"", "listen: \"0.0.0.0:7422\"");
        assertThat(conf).containsPattern("routes: \\[\"nats-route://route:[^@]+@10.10.2.10:6222\", \"nats-route://route:[^@]+@10.10.3.10:6222\"\\]");
    }

    @Test
    void pgBouncerPointsAtThePrimaryAndRedisAndPostgresListen() throws IOException {
        render(EXAMPLE, Map.of());
        assertThat(read("olympus-ap-south-1/pgbouncer/pgbouncer.ini")).contains("olympus = host=10.10.1.20 port=5432 dbname=olympus",
                "listen_addr = 0.0.0.0", "listen_port = 6432", "auth_file = /etc/pgbouncer/userlist.txt", "admin_users = pgbouncer_admin")
                .doesNotContain("pidfile", "logfile");
        assertThat(read("olympus-ap-south-1/pgbouncer/userlist.txt")).contains("\"olympus\" ", "\"olympus_monitor\" ",
                "\"pgbouncer_admin\" ", "\"postgres\" ");
        assertThat(read("olympus-eu-west-1/redis/redis.conf")).contains("port 0\n", "tls-port 6379", "tls-auth-clients yes",
                "tls-cert-file /etc/olympus/tls/host.crt", "tls-ca-cert-file /etc/olympus/tls/ca.crt", "bind 0.0.0.0", "daemonize no", "save \"\"",
                "appendonly no", "notify-keyspace-events Eeg");
        assertThat(read("olympus-eu-west-1/postgresql/olympus.conf")).contains("listen_addresses = 'localhost,10.10.2.20'",
                "port = 5432", "wal_level = replica", "hot_standby_feedback = on", "wal_receiver_status_interval = 1s",
                "max_slot_wal_keep_size = 2GB", "wal_log_hints = on").doesNotContain("fsync = off");
        assertThat(read("olympus-eu-west-1/postgresql/pg_hba.olympus.conf")).contains(
                "hostssl replication replicator 10.10.1.20/32", "hostssl replication replicator 10.10.3.20/32",
                "hostssl all all 10.10.3.10/32 scram-sha-256").doesNotContain("10.10.2.20/32", "\nhost ");
        assertThat(read("olympus-eu-west-1/postgresql/olympus.conf")).contains("ssl = on", "/etc/olympus/tls/host.crt");
        assertThat(read("olympus-eu-west-1/pgbouncer/pgbouncer.ini")).contains("server_tls_sslmode = verify-full");
    }

    /** Issue 17: one ACL user per role, no default user, passwords only as SHA-256. */
    @Test
    void redisHasAUserPerRoleAndNoDefaultUser() throws IOException {
        render(EXAMPLE, Map.of("OLYMPUS_SECRET_REDIS_REVOCATION_BUS_EU_WEST", "bus-password-0123456789"));
        String conf = read("olympus-eu-west-1/redis/redis.conf");
        assertThat(conf).contains("user default off resetkeys resetchannels -@all",
                "user revocation-bus-eu-west on #" + RedisAcl.sha256("bus-password-0123456789") + " resetkeys resetchannels ~rv:* ~ic:*",
                "user session-router-us-east on #", "user session-router-ap-south on #", "~olympus:router:*",
                "user revocation-reader on #", "%R~rv:*", "user admin on #")
                .doesNotContain("bus-password-0123456789", "revocation-bus-us-east", "+@all +flushall");
        // Only the bus writes the denylist; no service user may run FLUSHALL, CONFIG SET or KEYS.
        for (String line : conf.lines().filter(l -> l.startsWith("user ") && !l.startsWith("user admin")).toList()) {
            assertThat(line).doesNotContain("+@all", "+flushall", "+config|set", "+keys");
        }
        assertThat(read("olympus-eu-west-1/env/revocation-bus.env")).contains("REDIS_USER=revocation-bus-eu-west\n",
                "REDIS_PASSWORD=bus-password-0123456789\n");
        assertThat(read("olympus-eu-west-1/env/session-router.env")).contains("REDIS_USER=session-router-eu-west\n");
        assertThat(read("olympus-eu-west-1/env/lag-monitor.env")).doesNotContain("REDIS_");
    }

    @Test
    void eachServiceGetsOnlyWhatItReads() throws IOException {
        render(EXAMPLE, Map.of());
        String agent = read("olympus-eu-west-1/env/node-agent.env");
        assertThat(agent).contains("NATS_USER=node-agent-eu-west\n", "OLYMPUS_REGION=eu-west\n", "NATS_URL=nats://10.10.2.10:4222\n",
                "OLYMPUS_POSTGRES_ENDPOINTS=us-east=10.10.1.20:5432,eu-west=10.10.2.20:5432,ap-south=10.10.3.20:5432\n",
                "PG_SUPERUSER_PASSWORD=", "OLYMPUS_PGBOUNCER_INI=/etc/pgbouncer/pgbouncer.ini\n", "HTTP_PORT_NODE_AGENT=8085\n");
        String bus = read("olympus-eu-west-1/env/revocation-bus.env");
        assertThat(bus).contains("NATS_USER=revocation-bus-eu-west\n", "REDIS_URI=rediss://10.10.2.10:6379\n", "OLYMPUS_TLS_CA=/etc/olympus/tls/ca.crt\n",
                "OLYMPUS_TLS_KEY=/etc/olympus/tls/host.key\n", "REVOCATION_INGEST_TOKENS=")
                .doesNotContain("PG_", "FAILOVER_API_TOKENS", "OLYMPUS_TOPOLOGY_DIR");
        // The router's API token and its Kratos hook's token, each rendered from its own secret.
        assertThat(read("olympus-eu-west-1/env/session-router.env")).contains("ROUTER_API_TOKENS=CHANGE_ME-token-router-api\n",
                "ROUTER_HOOK_TOKENS=CHANGE_ME-token-router-hook\n").doesNotContain("REVOCATION_", "FAILOVER_API_TOKENS");
        assertThat(bus).doesNotContain("ROUTER_API_TOKENS");
        assertThat(read("olympus-eu-west-1/env/failover-coordinator.env")).contains("NATS_USER=failover-coordinator-eu-west\n", "PGBOUNCER_PORT=6432\n",
                        "PG_SSLMODE=verify-full\n")
                .doesNotContain("PG_SUPERUSER", "PG_MONITOR_PASSWORD", "PGBOUNCER_ADMIN_PASSWORD");
    }

    @Test
    void secretsComeFromFilesThenEnvironmentElsePlaceholders(@TempDir Path secrets) throws IOException {
        Files.createDirectories(secrets.resolve("nats"));
        Files.writeString(secrets.resolve("nats/leaf-us-east"), "leafFromFile42\n");
        Path topology = out.resolve("t.yml");
        Files.writeString(topology, Files.readString(EXAMPLE).replace("dir: /etc/olympus/secrets", "dir: " + secrets));
        render(topology, Map.of("OLYMPUS_SECRET_POSTGRES_OLYMPUS", "appFromEnv7", "OLYMPUS_SECRET_NATS_NODE_AGENT_EU_WEST", "agentEu9"));
        String conf = read("olympus-us-east-1/nats/nats.conf");
        // The region's own leaf password in its remote URL (it must send it); every account
        // password only as a bcrypt hash.
        assertThat(conf).contains("nats-leaf://leaf-us-east:leafFromFile42@nats-control:7422")
                .doesNotContain("agentEu9", "CHANGE_ME-nats-revocation-bus-us-east", "password: \"CHANGE_ME");
        assertThat(Bcrypt.matches(passwordOf(conf, "node-agent-eu-west"), "agentEu9")).isTrue();
        assertThat(Bcrypt.matches(passwordOf(conf, "revocation-bus-us-east"), "CHANGE_ME-nats-revocation-bus-us-east")).isTrue();
        assertThat(Bcrypt.matches(passwordOf(conf, "revocation-bus-us-east"), "CHANGE_ME-nats-revocation-bus-eu-west")).isFalse();
        // Control nodes know every region's leaf user, by hash only, accepted on the leaf port alone.
        String control = read("olympus-eu-west-1/nats-control/nats.conf");
        assertThat(control).doesNotContain("leafFromFile42");
        assertThat(Bcrypt.matches(passwordOf(control, "leaf-us-east"), "leafFromFile42")).isTrue();
        assertThat(read("olympus-eu-west-1/nats/nats.conf")).doesNotContain("leafFromFile42");
        assertThat(read("olympus-us-east-1/pgbouncer/userlist.txt")).contains("\"olympus\" \"appFromEnv7\"",
                "\"postgres\" \"CHANGE_ME-postgres-postgres\"");
        assertThat(warnings).contains("WARNING", "$OLYMPUS_SECRET_NATS_REVOCATION_BUS_US_EAST",
                "file " + secrets.resolve("nats/revocation-bus-us-east")).doesNotContain("NATS_LEAF_US_EAST", "POSTGRES_OLYMPUS\n");
    }

    /** The password (hash) a NATS config gives {@code user}. */
    private static String passwordOf(String conf, String user) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\{ user: \"" + java.util.regex.Pattern.quote(user)
                + "\", password: \"([^\"]+)\"").matcher(conf);
        assertThat(m.find()).as("user " + user).isTrue();
        assertThat(m.group(1)).startsWith("$2a$");
        return m.group(1);
    }

    /**
     * tls.ca_dir: a CA next to the hosts' folders (never inside one), per host ca.crt, host.crt
     * valid for the host's address, its database address and the compose names, and a 0640 key;
     * kept across renders.
     */
    @Test
    void theRendererMakesTheCaAndACertificatePerHost() throws Exception {
        String progress = render(EXAMPLE, Map.of());
        assertThat(out.resolve("ca/ca.crt")).isRegularFile();
        assertThat(out.resolve("ca/ca.key")).isRegularFile();
        java.security.cert.CertificateFactory cf = java.security.cert.CertificateFactory.getInstance("X.509");
        java.security.cert.X509Certificate ca;
        try (var in = Files.newInputStream(out.resolve("ca/ca.crt"))) {
            ca = (java.security.cert.X509Certificate) cf.generateCertificate(in);
        }
        for (String h : HOSTS) {
            Path tls = out.resolve(h).resolve("tls");
            try (Stream<Path> files = Files.list(tls)) {
                assertThat(files.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly("ca.crt", "host.crt", "host.key");
            }
            assertThat(Files.getPosixFilePermissions(tls.resolve("host.key"))).isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
            java.security.cert.X509Certificate c;
            try (var in = Files.newInputStream(tls.resolve("host.crt"))) {
                c = (java.security.cert.X509Certificate) cf.generateCertificate(in);
            }
            c.verify(ca.getPublicKey());
            List<String> names = c.getSubjectAlternativeNames().stream().map(n -> String.valueOf(n.get(1))).toList();
            assertThat(names).contains(h, "nats", "redis", "pgbouncer", "nats-control", "127.0.0.1");
            assertThat(progress).contains("render: issued " + tls.resolve("host.crt"));
        }
        java.security.cert.X509Certificate eu;
        try (var in = Files.newInputStream(out.resolve("olympus-eu-west-1/tls/host.crt"))) {
            eu = (java.security.cert.X509Certificate) cf.generateCertificate(in);
        }
        assertThat(eu.getSubjectAlternativeNames().stream().map(n -> String.valueOf(n.get(1))).toList()).contains("10.10.2.10", "10.10.2.20");
        byte[] before = Files.readAllBytes(out.resolve("olympus-eu-west-1/tls/host.crt"));
        assertThat(render(EXAMPLE, Map.of())).contains("render: kept " + out.resolve("olympus-eu-west-1/tls/host.crt"));
        assertThat(Files.readAllBytes(out.resolve("olympus-eu-west-1/tls/host.crt"))).isEqualTo(before);
    }

    /** Without a tls section everything is plain: host lines, redis://, sslmode disable, no tls folder. */
    @Test
    void withoutTlsTheLinksArePlain() throws IOException {
        Path topology = out.resolve("plain.yml");
        Files.writeString(topology, Files.readString(EXAMPLE).replace("tls:\n  ca_dir: ca\n", ""));
        Path plain = out.resolve("plain");
        render(topology, plain, Map.of());
        assertThat(plain.resolve("olympus-eu-west-1/tls")).doesNotExist();
        assertThat(Files.readString(plain.resolve("olympus-eu-west-1/redis/redis.conf"))).contains("port 6379").doesNotContain("tls-");
        assertThat(Files.readString(plain.resolve("olympus-eu-west-1/postgresql/pg_hba.olympus.conf"))).contains("\nhost all all ");
        assertThat(Files.readString(plain.resolve("olympus-eu-west-1/env/revocation-bus.env"))).contains("REDIS_URI=redis://")
                .doesNotContain("OLYMPUS_TLS_CA");
        assertThat(Files.readString(plain.resolve("olympus-eu-west-1/env/failover-coordinator.env"))).contains("PG_SSLMODE=disable");
    }

    /** nats-server -t: the configuration loads (it only tests the file and exits). */
    @Test
    void natsServerAcceptsEveryRenderedConfig() throws Exception {
        Path bin = Stream.of("/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server").map(Path::of)
                .filter(Files::isExecutable).findFirst().orElse(null);
        if (bin == null) {
            org.junit.jupiter.api.Assumptions.abort("nats-server not installed (apt-get install -y nats-server): not checking the configs");
        }
        render(EXAMPLE, Map.of());
        // The host runtime too, two regions and a witness, with its store directories in the temp folder.
        Path hostOut = out.resolve("host-runtime");
        Path topo = out.resolve("two.yml");
        Files.writeString(topo, TopologyTest.TWO_REGIONS_HOST.replace("/DATA", out.resolve("data").toString()));
        render(topo, hostOut, Map.of());
        List<Path> confs;
        try (Stream<Path> s = Files.walk(out)) {
            confs = s.filter(p -> p.getFileName().toString().equals("nats.conf")).sorted().toList();
        }
        assertThat(confs).hasSize(3 * 2 + 2 * 2 + 1);
        for (Path c : confs) {
            // The certificate paths as on the host once installed: here, the host's rendered tls folder.
            Path host = out.relativize(c).getName(0).toString().equals("host-runtime") ? null : out.resolve(out.relativize(c).getName(0));
            if (host != null) {
                Files.writeString(c, Files.readString(c).replace(Topology.TLS_DIR + "/", host.resolve("tls") + "/"));
            }
            Process p = new ProcessBuilder(bin.toString(), "-t", "-c", c.toString()).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor()).as("nats-server -t -c %s: %s", c, output).isZero();
        }
    }
}
