package olympus.topology;

import olympus.render.NatsConfigs;
import olympus.render.NatsRole;
import olympus.render.PgBouncerConf;
import olympus.render.RedisConf;
import olympus.render.ServiceEnv;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamOptions;
import io.nats.client.KeyValueOptions;
import io.nats.client.Nats;
import io.nats.client.Options;
import olympus.nats.ControlBuckets;
import olympus.nats.StreamLayout;
import olympus.topology.Ports.LinkKind;
import olympus.wire.ClusterTopology;
import olympus.wire.Naming;
import olympus.wire.Naming.Family;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A whole multi-region Olympus topology on one machine, from the installed binaries: per region a
 * NATS server (own JetStream domain), a control-cluster node, Redis, PostgreSQL (primary in the
 * first region, streaming replicas elsewhere) and PgBouncer; links between regions that can be cut.
 *
 * <p>Two modes ({@link TopologySpec#hosts()}): every server on 127.0.0.1 with cross-region traffic
 * through {@link LinkDaemon}; or hosts mode, each region (and witness control node) in its own
 * network namespace at 10.X.i.2 ({@link HostNet}, {@link NetNamespaces}), cross-region traffic
 * directly between those addresses, and a cut that takes the region's veth down. {@link #host},
 * the URL methods and {@link #inRegion} hide the difference from callers.
 *
 * <p>The one implementation behind {@code deploy/local/topology}, the benchmarks and the
 * integration tests. All state lives in {@link TopologySpec#workDir()}.
 */
public final class LocalTopology {
    public static final String STATE_FILE = "topology.json";

    private final TopologySpec spec;
    private final Credentials creds;
    private final Consumer<String> progress;
    /** Mutual TLS on every NATS link ({@link #tlsFiles}); on unless {@value #TLS_ENV} turns it off. */
    private final boolean tls;

    private LocalTopology(TopologySpec spec, Credentials creds, Consumer<String> progress, boolean tls) {
        this.spec = spec;
        this.creds = creds;
        this.progress = progress;
        this.tls = tls;
    }

    /**
     * Env variable that turns TLS off ({@code 0}, {@code false} or {@code no}): for the
     * benchmarks' side-by-side run without TLS, never for a deployment.
     */
    public static final String TLS_ENV = "OLYMPUS_TOPOLOGY_TLS";

    /** Whether {@value #TLS_ENV} leaves TLS on (the default). */
    public static boolean tlsFromEnv() {
        String v = System.getenv(TLS_ENV);
        return v == null || !List.of("0", "false", "no", "off").contains(v.strip().toLowerCase(java.util.Locale.ROOT));
    }

    /** A topology to bring up (or one already up in the same directory, which {@link #up()} reuses). */
    public static LocalTopology of(TopologySpec spec, Consumer<String> progress) {
        return of(spec, progress, tlsFromEnv());
    }

    private static LocalTopology of(TopologySpec spec, Consumer<String> progress, boolean tls) {
        return new LocalTopology(spec, Credentials.loadOrGenerate(spec.workDir()).withRegionUsers(spec.regions())
                .withRedisUsers(spec.regions())
                .withOperators(operators()), progress, tls);
    }

    /** Env variable naming the local topology's operators (comma list); default {@link #DEFAULT_OPERATORS}. */
    public static final String OPERATORS_ENV = "OLYMPUS_TOPOLOGY_OPERATORS";
    public static final List<String> DEFAULT_OPERATORS = List.of("alice", "bob");

    /**
     * The operators (SREs) with a NATS user each ({@code sre-<operator>}), the first the one
     * {@link NatsRole#SRE} connects as in tests; each has a NATS context file
     * {@code operators/<operator>.json} (user and password, mode 0600) for olympusctl.
     */
    public static List<String> operators() {
        String v = System.getenv(OPERATORS_ENV);
        List<String> ops = v == null || v.isBlank() ? DEFAULT_OPERATORS
                : java.util.Arrays.stream(v.split(",")).map(String::strip).filter(x -> !x.isEmpty()).toList();
        ops.forEach(Naming::requireOperator);
        return ops;
    }

    /** Writes operators/<operator>.json, a NATS context (the nats CLI's format: url, user, password), mode 0600. */
    private void writeOperatorContexts() {
        Path d = dir("operators");
        mkdirs(d);
        for (String op : operators()) {
            String user = Naming.operatorUser(op);
            Path f = d.resolve(op + ".json");
            try {
                olympus.tls.TlsFiles t = tlsFiles(null);
                String tlsFields = t == null ? "" : ", \"ca\": \"" + t.ca() + "\", \"cert\": \"" + t.cert() + "\", \"key\": \"" + t.key() + "\"";
                Files.writeString(f, "{\"description\": \"olympus local topology, operator " + op + "\", \"url\": \""
                        + natsUrl(primaryRegion()) + "\", \"user\": \"" + user + "\", \"password\": \"" + creds.natsPassword(user) + "\""
                        + tlsFields + "}\n");
                Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** For port arithmetic only: no credentials, nothing on disk. */
    static LocalTopology of0(TopologySpec spec) {
        return new LocalTopology(spec, new Credentials(java.util.Map.of(), java.util.Map.of(), java.util.Map.of(), java.util.Map.of()), s -> { }, false);
    }

    /** With given credentials, nothing started: for checking what it writes (LocalConfigsTest). */
    static LocalTopology withCredentials(TopologySpec spec, Credentials creds) {
        return new LocalTopology(spec, creds, s -> { }, false);
    }

    /** The topology described by {@code dir/topology.json}, as written by a completed {@link #up()}. */
    public static LocalTopology load(Path dir, Consumer<String> progress) {
        Path f = dir.resolve(STATE_FILE);
        if (!Files.exists(f)) {
            throw new TopologyException("no topology in " + dir + " (no " + STATE_FILE + "): run deploy/local/topology up first");
        }
        try {
            State s = new ObjectMapper().readValue(f.toFile(), State.class);
            return of(new TopologySpec(s.regions(), s.basePort(), dir, Boolean.TRUE.equals(s.hosts())), progress,
                    Boolean.TRUE.equals(s.tls()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f, e);
        }
    }

    public static boolean exists(Path dir) {
        return Files.exists(dir.resolve(STATE_FILE));
    }

    /**
     * Written when {@link #up()} completes; what other tools read to find the servers.
     * {@code hosts}: hosts mode (absent, so null, in files written before it existed); {@code tls}
     * likewise.
     */
    public record State(List<String> regions, int basePort, String primary, Map<String, Map<String, Object>> endpoints,
                        Boolean hosts, Boolean tls) {}

    public TopologySpec spec() {
        return spec;
    }

    public Credentials credentials() {
        return creds;
    }

    public List<String> regions() {
        return spec.regions();
    }

    public Ports ports() {
        return spec.ports();
    }

    /** Whether every NATS link is mutual TLS against the topology's own CA ({@link #tlsFiles}). */
    public boolean tls() {
        return tls;
    }

    /** Name of the TLS files of the tools and tests (operators, checkers): a client certificate of the same CA. */
    public static final String CLIENT_CERT = "client";

    /**
     * The TLS files a process on {@code node}'s host uses (its servers and its services): the
     * topology's CA and the node's certificate; {@code node} null: the tools' client certificate.
     * Null when TLS is off.
     */
    public olympus.tls.TlsFiles tlsFiles(String node) {
        if (!tls) {
            return null;
        }
        String name = node == null ? CLIENT_CERT : node;
        Path d = dir("tls");
        return new olympus.tls.TlsFiles(d.resolve(olympus.render.Certs.CA_CERT), d.resolve(name + ".crt"), d.resolve(name + ".key"));
    }

    /** {@link #tlsFiles} as the settings an in-process service reads (olympus.tls.*); empty when TLS is off. */
    public Map<String, Object> tlsProperties(String node) {
        olympus.tls.TlsFiles f = tlsFiles(node);
        return f == null ? Map.of() : new java.util.HashMap<>(f.settings());
    }

    private NatsConfigs.Tls natsTls(String node) {
        olympus.tls.TlsFiles f = tlsFiles(node);
        return f == null ? null : new NatsConfigs.Tls(f.cert().toString(), f.key().toString(), f.ca().toString());
    }

    /**
     * The topology's CA ({@code tls/ca.crt}, its key beside it) and a certificate per node, valid
     * for 127.0.0.1 and the node's hosts-mode address, plus the tools' client certificate. Made once
     * per topology directory; kept across restarts.
     */
    private void writeCerts() {
        Path d = dir("tls");
        olympus.render.Certs.ensureCa(d, "olympus local topology");
        for (int i = 0; i < spec.controlNodes(); i++) {
            List<String> ips = new ArrayList<>(List.of("127.0.0.1"));
            if (spec.hosts()) {
                ips.add(spec.host(i));
            }
            olympus.render.Certs.issue(d, d, spec.controlNodeRegion(i), ips, List.of("localhost", spec.controlNodeRegion(i)));
        }
        olympus.render.Certs.issue(d, d, CLIENT_CERT, List.of("127.0.0.1"), List.of("localhost"));
        try {
            // The CA certificate is public; PostgreSQL's own processes (walreceiver, pg_basebackup
            // run by the agent as postgres) read it from here.
            Files.setPosixFilePermissions(d, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(d.resolve(olympus.render.Certs.CA_CERT),
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            // PostgreSQL and PgBouncer run as postgres and PostgreSQL wants its key owned by its
            // user, mode 0600: each region gets a copy of its files in its pg directory.
            for (String r : spec.regions()) {
                Path own = dir("pg", r, "tls");
                mkdirs(own);
                olympus.tls.TlsFiles f = tlsFiles(r);
                Files.copy(f.ca(), own.resolve("ca.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                Files.copy(f.cert(), own.resolve("server.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                Files.copy(f.key(), own.resolve("server.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                Files.setPosixFilePermissions(own.resolve("server.key"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
                PgNode.chown(own);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The region's PostgreSQL and PgBouncer TLS files (postgres' copies, {@link #writeCerts}); null when TLS is off. */
    NatsConfigs.Tls pgServerTls(String region) {
        if (!tls) {
            return null;
        }
        Path own = dir("pg", region, "tls");
        return new NatsConfigs.Tls(own.resolve("server.crt").toString(), own.resolve("server.key").toString(), own.resolve("ca.crt").toString());
    }

    /** libpq's TLS keywords (psql, pg_basebackup) for this JVM's tools: verify-full against the topology's CA, or plain. */
    public String pgConninfoSsl() {
        return olympus.tls.PgTls.conninfo(tlsFiles(null));
    }

    /** pgjdbc's TLS parameters for this JVM's connections: verify-full against the topology's CA, or plain. */
    public String pgSslParams() {
        return olympus.tls.PgTls.jdbcParams(tlsFiles(null));
    }

    /** Whether each region runs in its own network namespace ({@link TopologySpec#hosts()}). */
    public boolean hostsMode() {
        return spec.hosts();
    }

    /**
     * Address of a region's (or witness control node's) servers, for other regions and for this
     * JVM: 127.0.0.1, or the node's own 10.X.i.2 in hosts mode.
     */
    public String host(String region) {
        return spec.host(nodeIndex(region));
    }

    /**
     * {@code command} wrapped to run inside a region's (or witness's) network namespace: {@code ip
     * netns exec NS command...} in hosts mode, the command unchanged otherwise. What starts a
     * service "in" its region.
     */
    public List<String> inRegion(String region, List<String> command) {
        return spec.inNode(nodeIndex(region), command);
    }

    /**
     * Whether a region's PostgreSQL takes writes right now (not in recovery, not read-only),
     * asked from inside that region: in hosts mode through psql in its namespace, so a region
     * cut off from this JVM is still seen (a split-brain checker must see the cut side too).
     * False when it does not answer.
     */
    public boolean writablePrimary(String region) {
        String sql = "SELECT NOT pg_is_in_recovery() AND current_setting('transaction_read_only') = 'off'";
        String password = creds.pgPassword(PgRoles.SUPERUSER);
        if (!hostsMode()) {
            try (java.sql.Connection c = java.sql.DriverManager.getConnection(jdbcUrl(region) + "&connectTimeout=1&socketTimeout=2",
                    PgRoles.SUPERUSER, password); java.sql.Statement st = c.createStatement(); java.sql.ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                return rs.getBoolean(1);
            } catch (java.sql.SQLException e) {
                return false;
            }
        }
        try {
            String out = Proc.run(inRegion(region, List.of("psql", "-X", "-qAt", "-c", sql, "host=127.0.0.1 port=" + postgresPort(region)
                    + " dbname=postgres user=" + PgRoles.SUPERUSER + " connect_timeout=1 " + pgConninfoSsl())), Duration.ofSeconds(5),
                    Map.of("PGPASSWORD", password, "PGOPTIONS", "-c statement_timeout=2000"));
            return out.strip().equals("t");
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Network namespace of a region or witness in hosts mode (its name whether or not it exists). */
    public String namespace(String region) {
        return spec.net().namespace(nodeIndex(region));
    }

    /** This topology's namespaces and veths that exist now (after {@link #down}: should be none). */
    public List<String> namespacesLeft() {
        return NetNamespaces.leftovers(spec.net());
    }

    /** Node index of a region (its region index) or of a witness control node (after the regions). */
    private int nodeIndex(String node) {
        for (int i = 0; i < spec.controlNodes(); i++) {
            if (spec.controlNodeRegion(i).equals(node)) {
                return i;
            }
        }
        List<String> witnesses = new ArrayList<>();
        for (int i = spec.regions().size(); i < spec.controlNodes(); i++) {
            witnesses.add(spec.controlNodeRegion(i));
        }
        throw new TopologyException("unknown region '" + node + "': regions are " + spec.regions()
                + (witnesses.isEmpty() ? "" : ", witness control nodes " + witnesses));
    }

    int index(String region) {
        int i = spec.regions().indexOf(region);
        if (i < 0) {
            throw new TopologyException("unknown region '" + region + "': regions are " + spec.regions());
        }
        return i;
    }

    // ---------------------------------------------------------------- servers

    enum Kind { LINKS, NATS, CONTROL, REDIS, POSTGRES, PGBOUNCER }

    /** One process of the topology, by name (e.g. nats-us-east, pg-eu-west, control-ap-south). */
    public record Server(String name, Kind kind, String region, int port, int index) {}

    public List<Server> servers() {
        Ports p = ports();
        List<Server> s = new ArrayList<>();
        if (!spec.hosts()) {
            s.add(new Server("links", Kind.LINKS, "-", p.linkControl(), -1));
        }
        for (int i = 0; i < spec.controlNodes(); i++) {
            s.add(new Server("control-" + spec.controlNodeRegion(i), Kind.CONTROL, spec.controlNodeRegion(i), p.control(i), i));
        }
        for (int i = 0; i < spec.regions().size(); i++) {
            String r = spec.regions().get(i);
            s.add(new Server("nats-" + r, Kind.NATS, r, p.nats(i), i));
            s.add(new Server("redis-" + r, Kind.REDIS, r, p.redis(i), i));
            s.add(new Server("pg-" + r, Kind.POSTGRES, r, p.postgres(i), i));
            s.add(new Server("pgbouncer-" + r, Kind.PGBOUNCER, r, p.pgbouncer(i), i));
        }
        return s;
    }

    public Server server(String name) {
        return servers().stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new TopologyException("unknown server '" + name + "': servers are "
                        + servers().stream().map(Server::name).toList()));
    }

    private Path dir(String... parts) {
        Path p = spec.workDir();
        for (String part : parts) {
            p = p.resolve(part);
        }
        return p;
    }

    private Path pidFile(Server s) {
        return switch (s.kind()) {
            case POSTGRES -> pg(s.index()).data().resolve("postmaster.pid");
            case LINKS -> dir("links.pid");
            case NATS -> dir("nats", s.region(), "nats.pid");
            case CONTROL -> dir("control", s.region(), "nats.pid");
            case REDIS -> dir("redis", s.region(), "redis.pid");
            case PGBOUNCER -> dir("pgbouncer", s.region(), "pgbouncer.pid");
        };
    }

    public long pid(Server s) {
        return Proc.readPid(pidFile(s)).orElse(-1L);
    }

    public boolean alive(Server s) {
        return Proc.alive(pid(s)) && listening(s);
    }

    /**
     * Whether the server's port is open: a connection to 127.0.0.1; in hosts mode the socket table
     * of its namespace (true also while the region is cut).
     */
    private boolean listening(Server s) {
        if (!spec.hosts()) {
            return Proc.portOpen(s.port());
        }
        return NetNamespaces.listening(spec.net().namespace(s.index()), pid(s), s.port());
    }

    PgNode pg(int i) {
        return new PgNode(spec, creds, i, tls ? pgServerTls(spec.regions().get(i)) : null);
    }

    private void start(Server s) {
        switch (s.kind()) {
            case LINKS -> {
                long pid = Proc.spawn(List.of(javaBin(), "-Xmx64m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                        LinkDaemon.class.getName(), "--dir", spec.workDir().toString()), dir("logs", "links.log"));
                PgNode.write(pidFile(s), pid + "\n");
            }
            case NATS, CONTROL -> {
                Path d = s.kind() == Kind.NATS ? dir("nats", s.region()) : dir("control", s.region());
                Proc.spawn(spec.inNode(s.index(), List.of("nats-server", "-c", d.resolve("nats.conf").toString())),
                        d.resolve("stdout.log"));
            }
            case REDIS -> {
                Path d = dir("redis", s.region());
                Proc.run(spec.inNode(s.index(), List.of("redis-server", d.resolve("redis.conf").toString())), Duration.ofSeconds(10));
            }
            case POSTGRES -> pg(s.index()).start();
            case PGBOUNCER -> {
                Path d = dir("pgbouncer", s.region());
                Proc.run(spec.inNode(s.index(), Proc.asPostgres(List.of("setsid", "pgbouncer", "-d", "-q",
                        d.resolve("pgbouncer.ini").toString()))), Duration.ofSeconds(10));
            }
        }
        // Generous: on a loaded two-core machine a JVM (the links) can take tens of seconds to start.
        Proc.await(s.name() + " to listen on " + s.port() + " (log under " + spec.workDir() + ")",
                Duration.ofSeconds(90), () -> listening(s));
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    // ---------------------------------------------------------------- up / down

    /**
     * Brings the topology up. Idempotent: a complete topology already running is left as it is;
     * one with servers down gets them restarted; a start that fails is cleaned up before the
     * error is thrown.
     */
    public void up() {
        long t0 = System.nanoTime();
        requireBinaries();
        if (spec.hosts()) {
            NetNamespaces.requireTools();
        }
        if (exists(spec.workDir())) {
            if (spec.hosts()) {
                // After a reboot (or someone's ip netns del) the namespaces are gone: make them again.
                NetNamespaces.setUp(spec, cutSet(), progress);
            }
            List<Server> dead = servers().stream().filter(s -> !alive(s)).toList();
            if (dead.isEmpty()) {
                progress.accept("already up in " + spec.workDir());
                return;
            }
            for (Server s : dead) {
                progress.accept("restarting " + s.name());
                start(s);
            }
            progress.accept("up (restarted " + dead.size() + ") in " + ms(t0) + " ms");
            return;
        }
        // A directory without a state file is a start that never completed: start over.
        down(true);
        try {
            fresh(t0);
        } catch (RuntimeException e) {
            progress.accept("start failed; stopping what started, keeping logs in " + spec.workDir());
            try {
                down(false);
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /**
     * Fails before anything starts when a server binary is missing: otherwise the first symptom is
     * an opaque "setsid: Permission denied" halfway through, after other servers started.
     */
    static void requireBinaries() {
        List<String> missing = new ArrayList<>();
        for (String[] b : new String[][] {{"nats-server", "nats-server"}, {"redis-server", "redis-server"},
                {"pgbouncer", "pgbouncer"}, {PgNode.BIN + "postgres", "postgresql-15"}}) {
            if (!onPath(b[0])) {
                missing.add(b[1]);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("missing server binaries; install them with: apt-get install -y "
                    + String.join(" ", missing) + " (or run deploy/local/install-deps, which installs what is missing)");
        }
    }

    private static boolean onPath(String bin) {
        if (bin.contains("/")) {
            return Files.isExecutable(Path.of(bin));
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, bin))) {
                return true;
            }
        }
        // pgbouncer and nats-server live in /usr/sbin, which a non-login PATH may lack.
        return Files.isExecutable(Path.of("/usr/sbin", bin));
    }

    private void fresh(long t0) {
        creds.save(spec.workDir());
        writeOperatorContexts();
        for (String d : List.of("logs", "sock")) {
            mkdirs(dir(d));
        }
        chmodOpen(spec.workDir());
        PgNode.chown(dir("sock"));
        if (spec.hosts()) {
            NetNamespaces.setUp(spec, java.util.Set.of(), progress);
        } else {
            PgNode.write(dir("link-control.port"), ports().linkControl() + "\n");
            writeLinks();
        }
        if (tls) {
            writeCerts();
        }
        writeNatsConfigs();
        writeRedisConfigs();

        progress.accept("starting " + (spec.hosts() ? "" : "links, ") + "NATS, Redis; initialising PostgreSQL primary in "
                + spec.primaryRegion());
        if (!spec.hosts()) {
            start(server("links"));
        }
        CompletableFuture<Void> natsAndRedis = CompletableFuture.runAsync(() -> servers().stream()
                .filter(s -> s.kind() == Kind.NATS || s.kind() == Kind.CONTROL || s.kind() == Kind.REDIS)
                .forEach(this::start));
        PgNode primary = pg(0);
        primary.initPrimary();
        progress.accept("primary up (" + ms(t0) + " ms); cloning replicas");
        List<CompletableFuture<Void>> replicas = new ArrayList<>();
        for (int i = 1; i < spec.regions().size(); i++) {
            PgNode r = pg(i);
            replicas.add(CompletableFuture.runAsync(() -> r.initReplica(primary)));
        }
        join(replicas);
        join(List.of(natsAndRedis));
        progress.accept("PostgreSQL and NATS up (" + ms(t0) + " ms); provisioning streams and the control buckets");
        writePgBouncerConfigs();
        CompletableFuture<Void> bouncers = CompletableFuture.runAsync(() -> servers().stream()
                .filter(s -> s.kind() == Kind.PGBOUNCER).forEach(this::start));
        provision();
        join(List.of(bouncers));
        awaitStreaming(Duration.ofSeconds(20));
        writeState();
        progress.accept("up in " + ms(t0) + " ms: " + spec.workDir());
    }

    private static void join(List<CompletableFuture<Void>> fs) {
        try {
            CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw e;
        }
    }

    /** Stops every process of this topology; {@code wipe} also deletes the working directory. */
    public void down(boolean wipe) {
        String marker = spec.workDir().toString();
        for (Server s : servers()) {
            if (s.kind() == Kind.POSTGRES) {
                try {
                    pg(s.index()).stop();
                } catch (RuntimeException e) {
                    progress.accept("pg_ctl stop " + s.region() + " failed (" + e.getMessage().lines().findFirst().orElse("")
                            + "), killing it");
                }
            }
            long pid = pid(s);
            if (Proc.alive(pid)) {
                Proc.signal(pid, "TERM");
            }
        }
        // Anything left that mentions our directory, wherever its pid file went.
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            List<ProcessHandle> left = Proc.mentioning(marker);
            if (left.isEmpty()) {
                break;
            }
            if (System.nanoTime() > deadline) {
                left.forEach(ProcessHandle::destroyForcibly);
                Proc.sleep(200);
                break;
            }
            left.forEach(ProcessHandle::destroy);
            Proc.sleep(100);
        }
        // Hosts mode's namespaces, veths, route and rule, found by name: also those of a crashed
        // run, and whatever mode this topology was loaded in (nothing to do when none is there).
        NetNamespaces.tearDown(spec.net(), progress);
        if (wipe) {
            Proc.deleteTree(spec.workDir());
        }
    }

    /** Every port the topology listens on: servers, links, service slots. */
    public List<Integer> allPorts() {
        List<Integer> all = new ArrayList<>();
        servers().forEach(s -> all.add(s.port()));
        for (int i = 0; i < spec.controlNodes(); i++) {
            all.addAll(List.of(ports().natsMonitor(i), ports().controlRoute(i), ports().controlLeaf(i), ports().controlMonitor(i)));
            for (int j = 0; j < spec.controlNodes(); j++) {
                for (LinkKind k : LinkKind.values()) {
                    if (i != j) {
                        all.add(ports().link(i, j, k));
                    }
                }
            }
        }
        for (int i = 0; i < spec.regions().size(); i++) {
            all.addAll(List.of(ports().revocationBusHttp(i), ports().lagMonitorHttp(i), ports().sessionRouterHttp(i),
                    ports().failoverCoordinatorHttp(i)));
        }
        return all;
    }

    /**
     * Puts the topology back whole after a test's faults: heals every cut, restarts dead servers,
     * resumes replay on every replica, and waits until both replicas stream again.
     */
    public void repair() {
        for (int i = 0; i < spec.controlNodes(); i++) {
            heal(spec.controlNodeRegion(i));
        }
        for (Server s : servers()) {
            if (!alive(s)) {
                progress.accept("repair: restarting " + s.name());
                start(s);
            }
        }
        awaitControlBucketsCurrent(Duration.ofSeconds(30));
        for (String r : spec.regions()) {
            PgNode n = pg(index(r));
            try {
                // Whatever is a replica now (a test may have moved the primary): resume it.
                if (n.alive() && n.inRecovery()) {
                    n.execute("SELECT pg_wal_replay_resume()");
                }
            } catch (SQLException | TopologyException e) {
                progress.accept("repair: cannot resume replay on " + r + ": " + e.getMessage());
            }
        }
        // A replica that is up but not streaming is restarted, and if that does not do it,
        // cloned again from the primary. Seen in failover-coordinator's PartitionIT after its
        // failover, rejoin and switchover back: ap-south looped on "requested WAL segment 0000000A...08 has already
        // been removed" (the new primary, itself re-cloned during the test, never had that WAL),
        // which no restart cures.
        if (streamingWithin(Duration.ofSeconds(30))) {
            return;
        }
        forEachReplicaNotStreaming((primary, s) -> {
            progress.accept("repair: restarting " + s.name() + ", not streaming from " + primary);
            if (alive(s)) {
                kill(s.name());
            }
            start(s);
        });
        if (streamingWithin(Duration.ofSeconds(30))) {
            return;
        }
        forEachReplicaNotStreaming((primary, s) -> {
            progress.accept("repair: cloning " + s.name() + " again from " + primary);
            PgNode replica = pg(s.index());
            replica.stop();
            replica.wipeData();
            replica.initReplica(pg(index(primary)));
        });
        awaitStreaming(Duration.ofSeconds(60));
    }

    /** Whether every replica streams within the timeout; if not, says why (status, log tails) and returns false. */
    private boolean streamingWithin(Duration timeout) {
        try {
            awaitStreaming(timeout);
            return true;
        } catch (TopologyException e) {
            progress.accept("repair: " + e.getMessage());
            return false;
        }
    }

    /** Calls back with (current primary, server) for every replica the primary does not see streaming. */
    private void forEachReplicaNotStreaming(java.util.function.BiConsumer<String, Server> action) {
        String primary = currentPrimary();
        for (String r : replicasNotStreaming(primary, replication())) {
            action.accept(primary, server("pg-" + r));
        }
    }

    /** The regions other than the primary that {@code seen} (the primary's pg_stat_replication) does not list as streaming. */
    private List<String> replicasNotStreaming(String primary, List<Replication> seen) {
        return spec.regions().stream().filter(r -> !r.equals(primary)
                && seen.stream().noneMatch(x -> x.region().equals(r) && "streaming".equals(x.state()))).toList();
    }

    /** Ports of this topology still in use (after {@link #down}: should be none). */
    public List<Integer> portsInUse() {
        List<Integer> used = new ArrayList<>();
        for (Server s : servers()) {
            if (listening(s)) {
                used.add(s.port());
            }
        }
        return used;
    }

    // ---------------------------------------------------------------- configuration files

    private void writeLinks() {
        List<LinkDaemon.Link> links = new ArrayList<>();
        Ports p = ports();
        int nodes = spec.controlNodes();
        for (int i = 0; i < nodes; i++) {
            for (int j = 0; j < nodes; j++) {
                if (i == j) {
                    continue;
                }
                String from = spec.controlNodeRegion(i);
                String to = spec.controlNodeRegion(j);
                links.add(new LinkDaemon.Link("route-" + from + "-" + to, from, to, p.link(i, j, LinkKind.ROUTE), p.controlRoute(j)));
                if (i < spec.regions().size()) {
                    links.add(new LinkDaemon.Link("leaf-" + from + "-" + to, from, to, p.link(i, j, LinkKind.LEAF), p.controlLeaf(j)));
                }
                if (i < spec.regions().size() && j < spec.regions().size()) {
                    links.add(new LinkDaemon.Link("pg-" + from + "-" + to, from, to, p.link(i, j, LinkKind.POSTGRES), p.postgres(j)));
                }
            }
        }
        try {
            new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(dir(LinkDaemon.LINKS_FILE).toFile(), links);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * 127.0.0.1; in hosts mode 0.0.0.0, which inside a node's namespace is its loopback and its
     * own 10.X.i.2 and nothing else.
     */
    private String natsListen() {
        return spec.hosts() ? "0.0.0.0" : "127.0.0.1";
    }

    /** Node {@code i}'s region server, as deploy/render renders it: leaf remotes own control node first, others through links (hosts mode: at their own addresses). */
    NatsConfigs.RegionServer natsRegionServer(int i) {
        Ports p = ports();
        Path d = dir("nats", spec.regions().get(i));
        List<NatsConfigs.Remote> leaves = new ArrayList<>();
        leaves.add(new NatsConfigs.Remote("127.0.0.1", p.controlLeaf(i)));
        for (int j = 0; j < spec.controlNodes(); j++) {
            if (j != i) {
                leaves.add(spec.hosts() ? new NatsConfigs.Remote(spec.host(j), p.controlLeaf(j))
                        : new NatsConfigs.Remote("127.0.0.1", p.link(i, j, LinkKind.LEAF)));
            }
        }
        return new NatsConfigs.RegionServer(spec.regions().get(i), natsListen(), p.nats(i), p.natsMonitor(i),
                d.resolve("nats.pid").toString(), d.resolve("nats.log").toString(), d.resolve("jetstream").toString(), leaves,
                natsTls(spec.regions().get(i)));
    }

    /**
     * Control node {@code i}: routes through links; it advertises a port nothing listens on, so
     * that gossip never leads a peer around the link. In hosts mode: the real addresses (the cut
     * takes them down).
     */
    NatsConfigs.ControlNode natsControlNode(int i) {
        Ports p = ports();
        Path d = dir("control", spec.controlNodeRegion(i));
        List<NatsConfigs.Remote> routes = new ArrayList<>();
        for (int j = 0; j < spec.controlNodes(); j++) {
            if (j != i) {
                routes.add(spec.hosts() ? new NatsConfigs.Remote(spec.host(j), p.controlRoute(j))
                        : new NatsConfigs.Remote("127.0.0.1", p.link(i, j, LinkKind.ROUTE)));
            }
        }
        String advertise = spec.hosts() ? spec.host(i) + ":" + p.controlRoute(i) : "127.0.0.1:" + p.unused(i);
        return new NatsConfigs.ControlNode(spec.controlNodeRegion(i), natsListen(), p.control(i), p.controlMonitor(i),
                d.resolve("nats.pid").toString(), d.resolve("nats.log").toString(), d.resolve("jetstream").toString(),
                p.controlRoute(i), advertise, routes, p.controlLeaf(i), natsTls(spec.controlNodeRegion(i)));
    }

    void writeNatsConfigs() {
        for (int i = 0; i < spec.controlNodes(); i++) {
            Path d = dir("control", spec.controlNodeRegion(i));
            mkdirs(d.resolve("jetstream"));
            PgNode.write(d.resolve("nats.conf"), NatsConfigs.controlNode(natsControlNode(i), spec.regions(), operators(), creds));
        }
        for (int i = 0; i < spec.regions().size(); i++) {
            Path d = dir("nats", spec.regions().get(i));
            mkdirs(d.resolve("jetstream"));
            PgNode.write(d.resolve("nats.conf"), NatsConfigs.regionServer(natsRegionServer(i), spec.regions(), operators(), creds));
        }
    }

    void writeRedisConfigs() {
        for (int i = 0; i < spec.regions().size(); i++) {
            Path d = dir("redis", spec.regions().get(i));
            mkdirs(d);
            PgNode.write(d.resolve("redis.conf"), new RedisConf(ports().redis(i),
                    spec.hosts() ? "127.0.0.1 " + spec.host(i) : "127.0.0.1", true, d.resolve("redis.pid").toString(),
                    d.resolve("redis.log").toString(), d.toString(),
                    redisSocketFits(spec.regions().get(i)) ? d.resolve("redis.sock").toString() : null,
                    "the path would exceed the kernel's limit; services use TCP", natsTls(spec.regions().get(i)),
                    olympus.render.RedisAcl.lines(spec.regions().get(i), spec.regions(), creds)).render());
        }
    }

    /**
     * PgBouncer in every region points at the primary: directly in its region, through a link
     * elsewhere (in hosts mode: at the primary's own address).
     */
    void writePgBouncerConfigs() {
        int primary = index(primaryRegion());
        for (int i = 0; i < spec.regions().size(); i++) {
            Path d = dir("pgbouncer", spec.regions().get(i));
            mkdirs(d);
            String r = spec.regions().get(i);
            String targetHost = i == primary ? "127.0.0.1" : postgresHostFrom(r, primaryRegion());
            int target = postgresPortFrom(r, primaryRegion());
            PgNode.write(d.resolve("pgbouncer.ini"), new PgBouncerConf(targetHost, target,
                    spec.hosts() ? "127.0.0.1," + spec.host(i) : "127.0.0.1", ports().pgbouncer(i),
                    d.resolve("userlist.txt").toString(), d.resolve("pgbouncer.pid").toString(),
                    d.resolve("pgbouncer.log").toString(), pgServerTls(r)).ini());
            PgNode.write(d.resolve("userlist.txt"), PgBouncerConf.userlist(creds));
            PgNode.chown(d);
        }
    }

    // ---------------------------------------------------------------- provisioning

    /** Streams in every region's domain, control buckets in the control domain. */
    private void provision() {
        for (String region : spec.regions()) {
            try (Connection nc = connect(region, NatsRole.ADMIN)) {
                JetStreamManagement jsm = nc.jetStreamManagement();
                retry("JetStream in " + region, Duration.ofSeconds(20), () -> {
                    for (Family f : Family.values()) {
                        StreamLayout.ensure(jsm, f, region, spec.regions());
                    }
                });
            } catch (IOException | InterruptedException e) {
                throw new TopologyException("cannot reach NATS in " + region + ": " + e.getMessage(), e);
            }
        }
        try (Connection nc = connectControl(spec.primaryRegion(), NatsRole.ADMIN)) {
            retry("the control cluster's JetStream quorum", Duration.ofSeconds(30),
                    () -> ControlBuckets.ensure(nc.keyValueManagement()));
            io.nats.client.KeyValue kv = nc.keyValue(Naming.CONTROL_BUCKET);
            if (kv.get(ClusterTopology.KEY) == null) {
                kv.create(ClusterTopology.KEY, ClusterTopology.initial(primaryRegion(), spec.regions(),
                        java.time.Instant.now()).toJson());
            }
        } catch (JetStreamApiException e) {
            throw new TopologyException("cannot write the initial topology to the control bucket: " + e.getMessage(), e);
        } catch (IOException | InterruptedException e) {
            throw new TopologyException("cannot reach the control cluster: " + e.getMessage(), e);
        }
    }

    interface Step {
        void run() throws IOException, JetStreamApiException;
    }

    private static void retry(String what, Duration timeout, Step step) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                step.run();
                return;
            } catch (IOException | JetStreamApiException | IllegalStateException e) {
                if (System.nanoTime() > deadline) {
                    throw new TopologyException("timed out waiting for " + what + ": " + e.getMessage(), e);
                }
                Proc.sleep(200);
            }
        }
    }

    /**
     * Until every control bucket's stream has a leader and every peer is current. A healed control
     * node rejoins in the background: if it led a bucket's stream, that stream elects again, and
     * until then a write to it times out (CI: FailoverFollowIT's compare-and-set right after
     * its cut test, "Timeout or no response waiting for NATS JetStream server").
     */
    private void awaitControlBucketsCurrent(Duration timeout) {
        try (Connection nc = connectControl(spec.primaryRegion(), NatsRole.ADMIN)) {
            JetStreamManagement jsm = nc.jetStreamManagement(io.nats.client.JetStreamOptions.builder()
                    .requestTimeout(Duration.ofSeconds(2)).build());
            retry("the control buckets' stream leaders and current peers", timeout, () -> {
                for (String name : jsm.getStreamNames()) {
                    io.nats.client.api.ClusterInfo c = jsm.getStreamInfo(name).getClusterInfo();
                    if (c == null) {
                        continue;
                    }
                    if (c.getLeader() == null) {
                        throw new IllegalStateException(name + " has no leader");
                    }
                    if (c.getReplicas() != null) {
                        for (io.nats.client.api.Replica r : c.getReplicas()) {
                            if (!r.isCurrent() || r.isOffline()) {
                                throw new IllegalStateException(name + ": peer " + r.getName() + " is not current");
                            }
                        }
                    }
                }
            });
        } catch (IOException | InterruptedException e) {
            throw new TopologyException("cannot reach the control cluster: " + e.getMessage(), e);
        }
    }

    /** Every replica streams from the current primary within the timeout, or the exception says which does not and why. */
    public void awaitStreaming(Duration timeout) {
        int expected = spec.regions().size() - 1;
        try {
            Proc.await(expected + " replicas streaming", timeout, () -> replication().stream()
                    .filter(r -> "streaming".equals(r.state())).count() == expected);
        } catch (TopologyException e) {
            // Say which replica is missing and what each server looks like: a bare timeout (seen
            // once in failover PartitionIT's repair) left nothing to diagnose it from.
            String primary = currentPrimary();
            List<Replication> seen = replication();
            StringBuilder logs = new StringBuilder();
            for (String r : replicasNotStreaming(primary, seen)) {
                logs.append("\nlast lines of ").append(r).append("'s postgres.log:\n").append(Proc.tail(pg(index(r)).log(), 15));
            }
            throw new TopologyException(e.getMessage() + "; primary " + primary + " sees " + seen + "\n" + statusTable() + logs, e);
        }
    }

    private void writeState() {
        Map<String, Map<String, Object>> endpoints = new LinkedHashMap<>();
        for (String r : spec.regions()) {
            int i = index(r);
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("host", host(r));
            e.put("nats", natsUrl(r));
            e.put("control", controlUrl(r));
            e.put("redis", redisUri(r));
            e.put("postgres", ports().postgres(i));
            e.put("pgbouncer", ports().pgbouncer(i));
            // How this region's processes reach every region's PostgreSQL (through links across
            // regions), so tools outside this module need no port arithmetic of their own.
            Map<String, Integer> from = new LinkedHashMap<>();
            spec.regions().forEach(target -> from.put(target, postgresPortFrom(r, target)));
            e.put("postgresFrom", from);
            // ... and at which address (127.0.0.1; in hosts mode the target's own).
            Map<String, String> hostFrom = new LinkedHashMap<>();
            spec.regions().forEach(target -> hostFrom.put(target, postgresHostFrom(r, target)));
            e.put("postgresHostFrom", hostFrom);
            e.put("revocationBusHttp", ports().revocationBusHttp(i));
            e.put("lagMonitorHttp", ports().lagMonitorHttp(i));
            e.put("sessionRouterHttp", ports().sessionRouterHttp(i));
            e.put("failoverCoordinatorHttp", ports().failoverCoordinatorHttp(i));
            endpoints.put(r, e);
        }
        try {
            new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(dir(STATE_FILE).toFile(),
                    new State(spec.regions(), spec.basePort(), primaryRegion(), endpoints, spec.hosts(), tls));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------- endpoints and clients

    public String primaryRegion() {
        return spec.primaryRegion();
    }

    public String natsUrl(String region) {
        return "nats://" + host(region) + ":" + ports().nats(index(region));
    }

    public String controlUrl(String region) {
        return "nats://" + host(region) + ":" + ports().control(index(region));
    }

    /** The region's Redis address: {@code rediss://} (TLS only) when the topology has TLS. */
    public String redisUri(String region) {
        return (tls ? "rediss://" : "redis://") + host(region) + ":" + ports().redis(index(region));
    }

    /** The region's Redis as ACL user {@code user} ({@link olympus.render.RedisAcl#users}), with the client certificate. */
    public olympus.redis.RedisClients.Endpoint redisAs(String region, String user) {
        return new olympus.redis.RedisClients.Endpoint(redisUri(region), user, creds.redisPassword(user), tlsFiles(null));
    }

    /** A client of the region's Redis as its admin user: for tests and tools (default options: it queues while disconnected). */
    public io.lettuce.core.RedisClient redisClient(String region) {
        return olympus.redis.RedisClients.create(null, redisAs(region, olympus.render.RedisAcl.ADMIN), io.lettuce.core.ClientOptions.builder());
    }


    /**
     * The same Redis over its Unix socket: for a service on the same host (a sidecar Redis), a
     * lookup costs less CPU on both sides than over TCP loopback. TCP when the path is too long.
     */
    public String redisSocketUri(String region) {
        return redisSocketFits(region) ? "redis-socket://" + dir("redis", region).resolve("redis.sock") : redisUri(region);
    }

    /**
     * A Unix socket path holds at most 107 bytes (sun_path); Redis refuses to start with a longer
     * one. A topology in a deep directory then has no socket, and everything uses TCP.
     */
    private boolean redisSocketFits(String region) {
        return dir("redis", region).resolve("redis.sock").toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= 100;
    }

    public int redisPort(String region) {
        return ports().redis(index(region));
    }

    public int postgresPort(String region) {
        return ports().postgres(index(region));
    }

    public int pgBouncerPort(String region) {
        return ports().pgbouncer(index(region));
    }

    /** JDBC URL of a region's PostgreSQL (primary or replica), database olympus. */
    public String jdbcUrl(String region) {
        return "jdbc:postgresql://" + host(region) + ":" + postgresPort(region) + "/" + PgRoles.DATABASE + "?" + pgSslParams();
    }

    /** JDBC URL through a region's PgBouncer (transaction pooling: no server-side prepared statements). */
    public String pgBouncerJdbcUrl(String region) {
        return "jdbc:postgresql://" + host(region) + ":" + pgBouncerPort(region) + "/" + PgRoles.DATABASE + "?prepareThreshold=0&" + pgSslParams();
    }

    /** Options for a role that has one user for all regions (sre, observer, admin). */
    public Options.Builder natsOptions(String url, NatsRole role) {
        return natsOptions(url, role, null);
    }

    /** Options for {@code role}'s user in {@code region} (its region's user for a per-region role). */
    public Options.Builder natsOptions(String url, NatsRole role, String region) {
        // SRE: the first operator's user (tests and the demo act as one operator).
        String user = role == NatsRole.SRE ? Naming.operatorUser(operators().get(0)) : role.perRegion() ? role.user(region) : role.user();
        return olympus.nats.NatsClient.options(url, user, creds.natsPassword(user), user, tlsFiles(role.perRegion() ? region : null))
                .errorListener(QUIET_FLOW_CONTROL);
    }

    /**
     * Options for any user and password (a wrong one, another region's: the refusal tests), with
     * the tools' client certificate when TLS is on, so that what is refused is the credential.
     */
    public Options.Builder natsOptionsAs(String url, String user, String password) {
        return olympus.nats.NatsClient.options(url, user, password, user, tlsFiles(null)).maxReconnects(0)
                .connectionTimeout(Duration.ofSeconds(2));
    }

    /** jnats logs every flow-control reply at INFO; keep errors, drop that noise. */
    private static final io.nats.client.ErrorListener QUIET_FLOW_CONTROL = new io.nats.client.ErrorListener() {
        @Override
        public void flowControlProcessed(Connection conn, io.nats.client.JetStreamSubscription sub, String subject,
                                         FlowControlSource source) {
        }
    };

    /** A connection to a region's own NATS server, as {@code role}. */
    public Connection connect(String region, NatsRole role) throws IOException, InterruptedException {
        return Nats.connect(natsOptions(natsUrl(region), role, region).build());
    }

    /** A connection to a region's control-cluster node, as {@code role}. */
    public Connection connectControl(String region, NatsRole role) throws IOException, InterruptedException {
        return Nats.connect(natsOptions("nats://" + host(region) + ":" + ports().control(controlNodeIndex(region)), role, region).build());
    }

    private int controlNodeIndex(String node) {
        for (int i = 0; i < spec.controlNodes(); i++) {
            if (spec.controlNodeRegion(i).equals(node)) {
                return i;
            }
        }
        throw new TopologyException("no control node in '" + node + "'");
    }

    /** JetStream options for the control domain, from a connection to any region's server. */
    public static JetStreamOptions controlDomain() {
        return JetStreamOptions.builder().domain(Naming.CONTROL_DOMAIN).build();
    }

    public static KeyValueOptions controlKv() {
        return KeyValueOptions.builder().jsDomain(Naming.CONTROL_DOMAIN).build();
    }

    // ---------------------------------------------------------------- faults

    /**
     * Cuts every link between {@code region} and the others; each side keeps working locally. In
     * hosts mode: the region's root-side veth goes down (its servers keep running and reach each
     * other inside its namespace, over 127.0.0.1 and its own address).
     */
    public void cut(String region) {
        if (spec.hosts()) {
            setCut(region, true);
            return;
        }
        LinkDaemon.send(ports().linkControl(), "cut " + region);
    }

    public void heal(String region) {
        if (spec.hosts()) {
            setCut(region, false);
            return;
        }
        LinkDaemon.send(ports().linkControl(), "heal " + region);
    }

    /** {@code ok cut=REGION,...}: the regions cut now. */
    public String cutStatus() {
        if (spec.hosts()) {
            return "ok cut=" + String.join(",", new java.util.TreeSet<>(cutNow()));
        }
        return LinkDaemon.send(ports().linkControl(), "status");
    }

    /** Hosts mode: a node is cut when its root-side veth exists and is down. */
    private java.util.Set<String> cutNow() {
        java.util.Set<String> cut = new java.util.TreeSet<>();
        for (int i = 0; i < spec.controlNodes(); i++) {
            String veth = spec.net().rootVeth(i);
            if (NetNamespaces.linkExists(veth) && !NetNamespaces.linkUp(veth)) {
                cut.add(spec.controlNodeRegion(i));
            }
        }
        return cut;
    }

    /** The cut set recorded in cuts.txt (as the link daemon keeps it), so a restart keeps a partition. */
    private java.util.Set<String> cutSet() {
        Path f = dir(LinkDaemon.CUTS_FILE);
        try {
            return Files.exists(f) ? new java.util.TreeSet<>(Files.readAllLines(f).stream().map(String::strip)
                    .filter(x -> !x.isEmpty()).toList()) : java.util.Set.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private synchronized void setCut(String node, boolean cut) {
        int i = nodeIndex(node);
        if (!NetNamespaces.linkExists(spec.net().rootVeth(i))) {
            throw new TopologyException("no veth " + spec.net().rootVeth(i) + " for " + node
                    + ": is the topology up? try: deploy/local/topology up");
        }
        NetNamespaces.setCut(spec.net(), i, cut);
        java.util.Set<String> set = new java.util.TreeSet<>(cutSet());
        if (cut) {
            set.add(node);
        } else {
            set.remove(node);
        }
        try {
            Files.write(dir(LinkDaemon.CUTS_FILE), set);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String cutStatusAfter(Runnable change) {
        change.run();
        return cutStatus();
    }

    /**
     * Environment for running a service in {@code region} as NATS user {@code role}: what every
     * service reads (see each service's README), one variable a line.
     */
    public String env(String region, NatsRole role) {
        int i = index(region);
        Map<String, Integer> http = new LinkedHashMap<>();
        http.put("revocation-bus", ports().revocationBusHttp(i));
        http.put("lag-monitor", ports().lagMonitorHttp(i));
        http.put("session-router", ports().sessionRouterHttp(i));
        http.put("failover-coordinator", ports().failoverCoordinatorHttp(i));
        http.put("node-agent", ports().nodeAgentHttp(i));
        ServiceEnv.Inputs in = new ServiceEnv.Inputs(region, spec.regions(), primaryRegion(), natsUrl(region), controlUrl(region),
                redisUri(region), redisSocketUri(region),
                String.join(",", spec.regions().stream().map(r -> r + "=" + redisUri(r)).toList()),
                postgresEndpointsFrom(region), pgBouncerPort(region), spec.workDir().toString(), http,
                new ServiceEnv.AgentPaths(PgNode.BIN, pgData(region).toString(), dir("pg", region, "postgres.log").toString(),
                        pgBouncerIni(region).toString(), dir("agent", region).toString()), natsTls(region));
        return ServiceEnv.format(ServiceEnv.all(in, role, creds));
    }

    /**
     * Port at which {@code from}'s processes reach {@code target}'s PostgreSQL: direct within a
     * region, through the cuttable link across regions (so a cut region loses its database links too).
     * In hosts mode always the target's own port (at {@link #postgresHostFrom}).
     */
    public int postgresPortFrom(String from, String target) {
        int i = index(from);
        int j = index(target);
        return i == j || spec.hosts() ? ports().postgres(j) : ports().link(i, j, LinkKind.POSTGRES);
    }

    /** Address at which {@code from}'s processes reach {@code target}'s PostgreSQL: 127.0.0.1, or the target's own in hosts mode. */
    public String postgresHostFrom(String from, String target) {
        index(from);
        return spec.hosts() ? host(target) : "127.0.0.1";
    }

    /** {@code region=host:port,...} for every region's PostgreSQL as seen from {@code from}. */
    public String postgresEndpointsFrom(String from) {
        List<String> parts = new ArrayList<>();
        for (String r : spec.regions()) {
            parts.add(r + "=" + postgresHostFrom(from, r) + ":" + postgresPortFrom(from, r));
        }
        return String.join(",", parts);
    }

    /** Path of a region's PgBouncer configuration (what a switchover rewrites and RELOADs). */
    public Path pgBouncerIni(String region) {
        return dir("pgbouncer", region, "pgbouncer.ini");
    }

    /** Data directory of a region's PostgreSQL (owned by the postgres user). */
    public Path pgData(String region) {
        return pg(index(region)).data();
    }

    /** kill -9, as a crash would. */
    public void kill(String serverName) {
        Server s = server(serverName);
        long pid = pid(s);
        if (!Proc.alive(pid)) {
            throw new TopologyException(serverName + " is not running");
        }
        Proc.signal(pid, "KILL");
        Proc.await(serverName + " to die", Duration.ofSeconds(10), () -> !Proc.alive(pid));
        if (s.kind() == Kind.POSTGRES) {
            // The postmaster's children notice its death by themselves; wait so the port is free.
            Proc.await(serverName + "'s port to close", Duration.ofSeconds(10), () -> !listening(s));
        }
    }

    public void restart(String serverName) {
        Server s = server(serverName);
        if (alive(s)) {
            throw new TopologyException(serverName + " is already running (kill it first)");
        }
        start(s);
    }

    public void pauseReplay(String region) {
        requireReplica(region).execute("SELECT pg_wal_replay_pause()");
    }

    public void resumeReplay(String region) {
        requireReplica(region).execute("SELECT pg_wal_replay_resume()");
    }

    private PgNode requireReplica(String region) {
        if (region.equals(currentPrimary())) {
            throw new TopologyException(region + " holds the primary: pause or resume replay on a replica (" +
                    spec.regions().stream().filter(r -> !r.equals(region)).toList() + ")");
        }
        return pg(index(region));
    }

    // ---------------------------------------------------------------- status

    /** One replica as the primary sees it in pg_stat_replication. */
    public record Replication(String region, String state, long replayLagBytes, Double replayLagSeconds, boolean replayPaused) {}

    /**
     * The region whose PostgreSQL is up and not in recovery now: after a switchover it is no
     * longer the first region. Falls back to the configured one when none answers.
     */
    public String currentPrimary() {
        for (String r : spec.regions()) {
            PgNode n = pg(index(r));
            try {
                if (n.alive() && !n.inRecovery()) {
                    return r;
                }
            } catch (SQLException e) {
                // unreachable: not the primary as far as we can tell
            }
        }
        return primaryRegion();
    }

    /** Region a region's PgBouncer currently sends its clients to, from its configuration. */
    String pgBouncerTarget(int i) {
        try {
            for (String line : Files.readAllLines(pgBouncerIni(spec.regions().get(i)))) {
                if (line.startsWith(PgRoles.DATABASE + " =")) {
                    int port = Integer.parseInt(line.replaceAll(".*port=(\\d+).*", "$1"));
                    for (int j = 0; j < spec.regions().size(); j++) {
                        if (port == ports().postgres(j) || port == ports().link(i, j, LinkKind.POSTGRES)) {
                            return spec.regions().get(j);
                        }
                    }
                }
            }
        } catch (IOException | NumberFormatException e) {
            return "?";
        }
        return "?";
    }

    public List<Replication> replication() {
        List<Replication> out = new ArrayList<>();
        PgNode primary = pg(index(currentPrimary()));
        if (!primary.alive()) {
            return out;
        }
        try (java.sql.Connection c = primary.connect("postgres"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT application_name, state, "
                     + "COALESCE(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), -1)::bigint, "
                     + "EXTRACT(EPOCH FROM replay_lag)::float8 FROM pg_stat_replication")) {
            while (rs.next()) {
                double lag = rs.getDouble(4);
                Double lagS = rs.wasNull() ? null : lag;
                String region = rs.getString(1);
                out.add(new Replication(region, rs.getString(2), rs.getLong(3), lagS, replayPaused(region)));
            }
        } catch (SQLException e) {
            return out;
        }
        return out;
    }

    private boolean replayPaused(String region) {
        if (!spec.regions().contains(region)) {
            return false;
        }
        try (java.sql.Connection c = pg(index(region)).connect("postgres"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_get_wal_replay_pause_state() <> 'not paused'")) {
            rs.next();
            return rs.getBoolean(1);
        } catch (SQLException e) {
            return false;
        }
    }

    /** The status table: every server, region, role, port, alive, and replication detail. */
    public String statusTable() {
        Map<String, Replication> repl = new LinkedHashMap<>();
        replication().forEach(r -> repl.put(r.region(), r));
        String primaryNow = currentPrimary();
        StringBuilder sb = new StringBuilder();
        String fmt = "%-22s %-10s %-16s %-6s %-6s %s%n";
        sb.append(String.format(fmt, "SERVER", "REGION", "ROLE", "PORT", "ALIVE", "DETAIL"));
        for (Server s : servers()) {
            boolean alive = alive(s);
            String role;
            String detail = "";
            switch (s.kind()) {
                case POSTGRES -> {
                    boolean primary = s.region().equals(primaryNow);
                    role = primary ? "pg primary" : "pg replica";
                    if (!primary) {
                        Replication r = repl.get(s.region());
                        detail = r == null ? "NOT STREAMING" : r.state() + ", replay lag " + r.replayLagBytes() + " B"
                                + (r.replayLagSeconds() == null ? "" : String.format(" / %.3f s", r.replayLagSeconds()))
                                + (r.replayPaused() ? ", REPLAY PAUSED" : "");
                    }
                }
                case NATS -> {
                    role = "nats (domain " + s.region() + ")";
                }
                case CONTROL -> role = "nats control";
                case REDIS -> role = "redis";
                case PGBOUNCER -> {
                    role = "pgbouncer";
                    detail = "-> " + pgBouncerTarget(s.index());
                }
                default -> {
                    role = "links";
                    detail = alive ? cutStatus() : "";
                }
            }
            sb.append(String.format(fmt, s.name(), s.region(), role, s.port(), alive ? "yes" : "NO", detail));
        }
        if (spec.hosts()) {
            sb.append("hosts mode, ").append(spec.net().subnet()).append(": ");
            List<String> nodes = new ArrayList<>();
            for (int i = 0; i < spec.controlNodes(); i++) {
                String n = spec.controlNodeRegion(i);
                nodes.add(n + " " + spec.net().namespace(i) + " " + spec.host(i)
                        + (NetNamespaces.namespaceExists(spec.net().namespace(i)) ? "" : " (NO NAMESPACE)"));
            }
            sb.append(String.join(", ", nodes)).append("; ").append(cutStatus()).append('\n');
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- files

    private static String ms(long t0) {
        return Long.toString((System.nanoTime() - t0) / 1_000_000);
    }

    private static void mkdirs(Path p) {
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The postgres user must traverse the working directory. */
    private static void chmodOpen(Path p) {
        try {
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
