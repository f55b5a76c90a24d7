package olympus.agent.host;

import olympus.agent.config.AgentConfiguration;
import olympus.agent.config.Credentials;
import olympus.agent.core.Divergence;
import olympus.agent.core.HostRole;
import olympus.wire.Lsn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static olympus.agent.host.Commands.asPostgres;
import static olympus.agent.host.Commands.chown;
import static olympus.agent.host.Commands.firstLine;
import static olympus.agent.host.Commands.lastLine;
import static olympus.agent.host.Commands.run;

/**
 * This host's PostgreSQL and PgBouncer: SQL on the local server, PgBouncer's admin console, and
 * pg_ctl / pg_rewind / pg_basebackup on the local data directory. Every method is idempotent (a
 * new leader may repeat a step its predecessor did) and fails with a message that says what did
 * not happen. Other regions' servers are reached only as a replication or rewind source.
 */
public final class PostgresHost implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresHost.class);
    private static final Pattern DB_LINE = Pattern.compile("^(\\S+) = host=(\\S+) port=(\\d+) dbname=(\\S+)\\s*$", Pattern.MULTILINE);

    /** Where a region's PostgreSQL is, as reached from this host. */
    public record Endpoint(String host, int port) {}

    /**
     * The local server as read this moment; for a replica, the region its WAL receiver streams from
     * (by its sender's address, null when not streaming or not one of ours) and how long ago it
     * last received a message.
     */
    public record State(HostRole role, Long walLsn, Long replayLsn, String error, String upstream, Long upstreamAgeMs) {
        State(HostRole role, Long walLsn, Long replayLsn, String error) {
            this(role, walLsn, replayLsn, error, null, null);
        }
    }

    private final String region;
    private final List<String> regions;
    private final String bin;
    private final Path data;
    private final Path log;
    private final Map<String, Endpoint> endpoints;
    private final Path bouncerIni;
    private final String bouncerHost;
    private final int bouncerPort;
    private final Credentials creds;
    private final Duration probeTimeout;

    /** verify-full against the deployment's CA for every connection this host makes (null: plain). */
    private final olympus.tls.TlsFiles tls;
    private final PgSessions sessions = new PgSessions(this::superConn);
    /** The admin console kept open between commands, for the same reason as {@link PgSessions}; guarded by itself. */
    private final Object consoleLock = new Object();
    private BouncerConsole console;

    public PostgresHost(AgentConfiguration c, Credentials creds, Duration probeTimeout, olympus.tls.TlsFiles tls) {
        this.tls = tls;
        if (tls != null) {
            // At start, not at the first PAUSE of a switchover: a bad key or CA stops the agent
            // here with the file named, and the context is ready when writes wait on it.
            tls.sslContext();
        }
        this.region = c.region();
        this.regions = List.copyOf(c.regions());
        this.bin = c.pgBin().endsWith("/") ? c.pgBin() : c.pgBin() + "/";
        this.data = Path.of(c.pgData());
        this.log = Path.of(c.pgLog() == null || c.pgLog().isBlank() ? data.resolveSibling("postgres.log").toString() : c.pgLog());
        this.endpoints = parseEndpoints(c.pgEndpoints());
        this.bouncerIni = Path.of(c.pgBouncerIni());
        this.bouncerHost = c.pgBouncerHost();
        this.bouncerPort = c.pgBouncerPort();
        this.creds = creds;
        this.probeTimeout = probeTimeout;
        if (!endpoints.containsKey(region)) {
            throw new IllegalArgumentException("pg-endpoints (OLYMPUS_POSTGRES_ENDPOINTS) has no entry for this region " + region
                    + ": give every region's PostgreSQL as region=host:port,...");
        }
        if (!Files.isExecutable(Path.of(bin + "pg_ctl"))) {
            throw new IllegalArgumentException("no pg_ctl in " + bin + ": set olympus.agent.pg-bin (OLYMPUS_PG_BIN) to PostgreSQL's bin directory");
        }
    }

    /** Parses {@code region=host:port,...}. */
    public static Map<String, Endpoint> parseEndpoints(String spec) {
        Map<String, Endpoint> m = new LinkedHashMap<>();
        for (String part : spec.split(",")) {
            String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            int colon = p.lastIndexOf(':');
            if (eq <= 0 || colon < eq) {
                throw new IllegalArgumentException("pg-endpoints entry '" + p + "' is not region=host:port");
            }
            m.put(p.substring(0, eq), new Endpoint(p.substring(eq + 1, colon), Integer.parseInt(p.substring(colon + 1))));
        }
        return Map.copyOf(m);
    }

    public String region() {
        return region;
    }

    private Endpoint endpoint(String r) {
        Endpoint e = endpoints.get(r);
        if (e == null) {
            throw new IllegalArgumentException("unknown region '" + r + "': pg-endpoints has " + endpoints.keySet());
        }
        return e;
    }

    private Connection superConn(Duration socketTimeout) throws SQLException {
        return superConn(region, socketTimeout);
    }

    /** As the superuser to {@code r}'s server: this host's own, or a primary this host compares its history with. */
    private Connection superConn(String r, Duration socketTimeout) throws SQLException {
        Endpoint e = endpoint(r);
        return DriverManager.getConnection("jdbc:postgresql://" + e.host() + ":" + e.port() + "/postgres?connectTimeout="
                        + Math.max(1, Math.min(probeTimeout.toSeconds(), socketTimeout.toSeconds())) + "&socketTimeout="
                        + Math.max(1, socketTimeout.toSeconds())
                        + "&ApplicationName=olympus-node-agent&" + olympus.tls.PgTls.jdbcParams(tls),
                creds.superuser(), creds.superuserPassword());
    }

    // ---------------------------------------------------------------- status

    public State state() {
        return state(probeTimeout.multipliedBy(2));
    }

    public State state(Duration timeout) {
        try (PgSessions.Loan l = sessions.borrow(timeout); Statement s = l.connection().createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery(), current_setting('default_transaction_read_only') = 'on', "
                     + "CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END, "
                     + "pg_last_wal_receive_lsn()::text, pg_last_wal_replay_lsn()::text, "
                     + "(SELECT sender_host FROM pg_stat_wal_receiver WHERE status = 'streaming'), "
                     + "(SELECT sender_port FROM pg_stat_wal_receiver WHERE status = 'streaming'), "
                     + "(SELECT (extract(epoch FROM clock_timestamp() - last_msg_receipt_time) * 1000)::bigint FROM pg_stat_wal_receiver "
                     + "WHERE status = 'streaming')")) {
            rs.next();
            boolean rec = rs.getBoolean(1);
            boolean ro = rs.getBoolean(2);
            Long replay = lsn(rs.getString(5));
            Long receive = lsn(rs.getString(4));
            Long wal = rec ? max(receive, replay) : lsn(rs.getString(3));
            HostRole role = rec ? HostRole.REPLICA : ro ? HostRole.FENCED_PRIMARY : HostRole.WRITABLE_PRIMARY;
            String upstream = regionAt(rs.getString(6), rs.getInt(7));
            long age = rs.getLong(8);
            return new State(role, wal, replay, null, upstream, upstream == null || rs.wasNull() ? null : Math.max(0, age));
        } catch (SQLException e) {
            return new State(HostRole.DOWN, null, null, firstLine(e.getMessage()));
        }
    }

    private String regionAt(String host, int port) {
        if (host == null) {
            return null;
        }
        return endpoints.entrySet().stream().filter(e -> e.getValue().host().equals(host) && e.getValue().port() == port)
                .map(Map.Entry::getKey).findFirst().orElse(null);
    }

    private static Long max(Long a, Long b) {
        return a == null ? b : b == null ? a : Long.valueOf(Math.max(a, b));
    }

    private static Long lsn(String s) {
        return s == null ? null : Lsn.parse(s);
    }

    // ---------------------------------------------------------------- PgBouncer

    /**
     * Commands on PgBouncer's admin console, in one connection ({@link BouncerConsole}: pgjdbc is
     * refused there, and a psql process per command was slow). Fails with PgBouncer's message.
     */
    private void bouncerAdmin(List<String> commands, Duration timeout) {
        synchronized (consoleLock) {
            boolean kept = console != null;
            try {
                runOnConsole(commands, timeout);
            } catch (BouncerConsole.ConsoleException e) {
                throw new IllegalStateException(e.getMessage(), e);
            } catch (IOException e) {
                dropConsole();
                // A kept console that PgBouncer closed (restart, idle timeout) fails at once, not by
                // timing out: one retry on a new one. A timeout is not retried (the PAUSE may be pending).
                if (!kept || e instanceof java.net.SocketTimeoutException) {
                    throw new IllegalStateException(e.getMessage() == null ? e.toString() : e.getMessage(), e);
                }
                try {
                    runOnConsole(commands, timeout);
                } catch (IOException again) {
                    dropConsole();
                    throw new IllegalStateException(again.getMessage() == null ? again.toString() : again.getMessage(), again);
                }
            }
        }
    }

    private void runOnConsole(List<String> commands, Duration timeout) throws IOException {
        if (console == null) {
            console = BouncerConsole.open(bouncerHost, bouncerPort, creds.bouncerAdmin(), nz(creds.bouncerAdminPassword()),
                    probeTimeout, timeout, tls);
        } else {
            console.timeout(timeout);
        }
        console.run(commands);
    }

    private void dropConsole() {
        if (console != null) {
            console.close();
            console = null;
        }
    }

    @Override
    public void close() {
        sessions.close();
        synchronized (consoleLock) {
            dropConsole();
        }
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    /**
     * One harmless console command ({@code SHOW VERSION}), at start: the first connection of a
     * process pays the JVM's cold TLS and SCRAM code, and without this that was the first PAUSE
     * of a switchover, while writes wait; it also finds a wrong admin password or certificate
     * long before a switchover needs the console. Retried while PgBouncer is not up yet.
     *
     * @return how long the successful attempt took, or the last failure's message
     */
    public String checkConsole(Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        String last;
        do {
            long t0 = System.nanoTime();
            try {
                bouncerAdmin(List.of("SHOW VERSION"), Duration.ofSeconds(5));
                return "PgBouncer console at " + bouncerHost + ":" + bouncerPort + (tls == null ? "" : " over TLS") + " answered in "
                        + (System.nanoTime() - t0) / 1_000_000 + " ms";
            } catch (RuntimeException e) {
                last = firstLine(e.getMessage());
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        } while (System.nanoTime() < deadline);
        throw new IllegalStateException("PgBouncer console at " + bouncerHost + ":" + bouncerPort + " did not answer: " + last);
    }

    public String pausePool(Duration timeout) {
        try {
            bouncerAdmin(List.of("PAUSE"), timeout);
            return "PgBouncer paused";
        } catch (RuntimeException e) {
            String msg = firstLine(e.getMessage());
            if (msg.contains("already")) {
                return "PgBouncer already paused";
            }
            // A PAUSE that timed out may still be pending inside PgBouncer: undo it.
            try {
                resumePool();
            } catch (RuntimeException ignored) {
                // reported below
            }
            throw new IllegalStateException("PgBouncer PAUSE in " + region + " failed: " + msg, e);
        }
    }

    public String resumePool() {
        try {
            bouncerAdmin(List.of("RESUME"), Duration.ofSeconds(10));
            return "PgBouncer resumed";
        } catch (RuntimeException e) {
            String msg = firstLine(e.getMessage());
            if (msg.contains("not paused")) {
                return "PgBouncer was not paused";
            }
            throw new IllegalStateException("PgBouncer RESUME in " + region + " failed: " + msg, e);
        }
    }

    public String repointPool(String primary, boolean resume) {
        rewriteIni(primary);
        try {
            bouncerAdmin(resume ? List.of("RELOAD", "RESUME") : List.of("RELOAD"), Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            if (!(resume && firstLine(e.getMessage()).contains("not paused"))) {
                throw new IllegalStateException("PgBouncer RELOAD" + (resume ? "+RESUME" : "") + " in " + region + " failed: "
                        + firstLine(e.getMessage()), e);
            }
        }
        return "PgBouncer points at " + primary + (resume ? " and is resumed" : "");
    }

    private void rewriteIni(String primary) {
        Endpoint target = endpoint(primary);
        try {
            String text = Files.readString(bouncerIni);
            Matcher m = DB_LINE.matcher(text);
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(sb, Matcher.quoteReplacement(m.group(1) + " = host=" + target.host() + " port=" + target.port()
                        + " dbname=" + m.group(4)));
            }
            m.appendTail(sb);
            Path tmp = bouncerIni.resolveSibling(bouncerIni.getFileName() + ".tmp");
            Files.writeString(tmp, sb.toString(), StandardCharsets.UTF_8);
            chown(tmp);
            // Rename so PgBouncer never reads a half-written file.
            Files.move(tmp, bouncerIni, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rewrite " + bouncerIni + ": " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- fence

    /**
     * Read-only by default for every new transaction, client sessions ended (a session keeps its
     * old default until it next reads its configuration); when the server is down, arranged so
     * that a restart comes up as a read-only standby.
     */
    public String fence(Duration timeout) {
        try (PgSessions.Loan l = sessions.borrow(timeout); Statement s = l.connection().createStatement()) {
            s.execute("ALTER SYSTEM SET default_transaction_read_only = on");
            s.execute("SELECT pg_reload_conf()");
            s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                    + "AND pid <> pg_backend_pid()");
            awaitReadOnly(s, timeout);
            return "read-only (ALTER SYSTEM default_transaction_read_only + reload), client sessions terminated";
        } catch (SQLException e) {
            String why = firstLine(e.getMessage());
            if (!postmasterAlive()) {
                fenceOffline();
                return "not running (" + why + "): standby.signal written, it restarts as a read-only standby";
            }
            throw new IllegalStateException("NOT fenced: " + region + "'s PostgreSQL is running but did not take the fence: " + why, e);
        }
    }

    /**
     * Polled on the fence's own session: the postmaster rereads its configuration before it
     * signals its children, so once this backend sees the setting, every new session does too.
     */
    private static void awaitReadOnly(Statement s, Duration timeout) throws SQLException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try (ResultSet rs = s.executeQuery("SHOW transaction_read_only")) {
                rs.next();
                if ("on".equals(rs.getString(1))) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new SQLException("the fence did not take effect within " + timeout.toMillis() + " ms");
            }
            sleep(20);
        }
    }

    private void fenceOffline() {
        try {
            Files.writeString(data.resolve("standby.signal"), "");
            Path auto = data.resolve("postgresql.auto.conf");
            String conf = Files.readString(auto);
            if (!conf.contains("default_transaction_read_only")) {
                Files.writeString(auto, conf + (conf.endsWith("\n") ? "" : "\n") + "default_transaction_read_only = 'on'\n");
            }
            chown(data.resolve("standby.signal"));
            chown(auto);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot fence " + region + " offline: " + e.getMessage(), e);
        }
    }

    /**
     * The last resort when the fence is not confirmed in time on a host that may be cut off: stop
     * the server at once (no checkpoint; crash recovery on the next start) and leave it arranged to
     * come back as a read-only standby.
     */
    public String stopImmediately() {
        if (postmasterAlive()) {
            stopPg("immediate", Duration.ofSeconds(10));
        }
        fenceOffline();
        return "stopped (immediate); standby.signal written, it restarts as a read-only standby";
    }

    public String unfence() {
        try (PgSessions.Loan l = sessions.borrow(Duration.ofSeconds(10)); Statement s = l.connection().createStatement()) {
            s.execute("ALTER SYSTEM RESET default_transaction_read_only");
            s.execute("SELECT pg_reload_conf()");
            return "fence lifted (default_transaction_read_only reset)";
        } catch (SQLException e) {
            throw new IllegalStateException("unfence " + region + " failed: " + firstLine(e.getMessage()), e);
        }
    }

    boolean postmasterAlive() {
        Path pidFile = data.resolve("postmaster.pid");
        try {
            if (!Files.exists(pidFile)) {
                return false;
            }
            long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).strip());
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    // ---------------------------------------------------------------- stop, start, promote

    /**
     * Stops the (fenced) primary cleanly and returns its shutdown checkpoint: the last record it
     * will ever write. Its replicas receive that record before it exits.
     */
    public long shutDown(Duration timeout) {
        if (postmasterAlive()) {
            stopPg("fast", timeout);
        }
        String out = run(asPostgres(List.of(bin + "pg_controldata", "-D", data.toString())), Duration.ofSeconds(10), Map.of("LC_ALL", "C"));
        for (String line : out.split("\n")) {
            if (line.startsWith("Latest checkpoint location:")) {
                return Lsn.parse(line.substring(line.indexOf(':') + 1).strip());
            }
        }
        throw new IllegalStateException("pg_controldata of " + region + " shows no checkpoint location");
    }

    public String restart() {
        if (postmasterAlive()) {
            return "already running";
        }
        startPg();
        return "started";
    }

    public long currentWalLsn() {
        try (PgSessions.Loan l = sessions.borrow(Duration.ofSeconds(10)); Statement s = l.connection().createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            rs.next();
            return Lsn.parse(rs.getString(1));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the WAL position of " + region + ": " + firstLine(e.getMessage()), e);
        }
    }

    /** Clears the fence and promotes; keeps a replication slot for every other region. */
    public String promote(Duration timeout) {
        try (PgSessions.Loan l = sessions.borrow(timeout.plusSeconds(5)); Statement s = l.connection().createStatement()) {
            s.execute("ALTER SYSTEM RESET default_transaction_read_only");
            // A standby whose upstream just went away sleeps wal_retrieve_retry_interval (5 s by
            // default) between attempts, and was seen to notice the promotion only after it. The
            // promote signal wakes that sleep, but when it lands while the startup process is
            // between two attempts, the next sleep runs its full length: with 200 ms here every
            // promote after a clean stop took ~200 ms ("received promote request", "waiting for
            // WAL to become available", "redo done" 196 ms later, in both switchovers of a
            // failover-hosts run). 5 ms costs a few extra connection attempts to the stopped
            // primary for the milliseconds the promotion takes; it is reset once promoted.
            s.execute("ALTER SYSTEM SET wal_retrieve_retry_interval = '5ms'");
            s.execute("SELECT pg_reload_conf()");
            String did = "already a primary";
            try (ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery()")) {
                rs.next();
                if (rs.getBoolean(1)) {
                    // pg_promote(true) polls for the end of recovery every 100 ms; ask without
                    // waiting and poll on this connection instead.
                    try (ResultSet p = s.executeQuery("SELECT pg_promote(false)")) {
                        p.next();
                    }
                    long deadline = System.nanoTime() + timeout.toNanos();
                    while (true) {
                        try (ResultSet r = s.executeQuery("SELECT pg_is_in_recovery()")) {
                            r.next();
                            if (!r.getBoolean(1)) {
                                break;
                            }
                        }
                        if (System.nanoTime() > deadline) {
                            throw new IllegalStateException("pg_promote on " + region + " did not finish within " + timeout.toSeconds() + " s");
                        }
                        sleep(POLL_MS);
                    }
                    did = "promoted";
                }
            } finally {
                // Only recovery reads it: back to the default, also when the promotion failed or
                // timed out, so this host's later life as a standby of a primary that is down
                // retries every 5 s rather than every 5 ms.
                resetRetryInterval(s);
            }
            for (String r : regions) {
                String slot = slotName(r);
                if (r.equals(region)) {
                    s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + slot + "' AND NOT active");
                } else {
                    s.execute("SELECT pg_create_physical_replication_slot('" + slot + "') WHERE NOT EXISTS "
                            + "(SELECT 1 FROM pg_replication_slots WHERE slot_name = '" + slot + "')");
                }
            }
            return did + "; slots for " + regions.stream().filter(r -> !r.equals(region)).toList();
        } catch (SQLException e) {
            throw new IllegalStateException("promote " + region + " failed: " + firstLine(e.getMessage()), e);
        }
    }

    /** Never throws: a failed reset must not hide why the promotion failed. */
    private void resetRetryInterval(Statement s) {
        try {
            s.execute("ALTER SYSTEM RESET wal_retrieve_retry_interval");
            s.execute("SELECT pg_reload_conf()");
        } catch (SQLException e) {
            LOG.warn("could not reset wal_retrieve_retry_interval on {} ({}): run ALTER SYSTEM RESET wal_retrieve_retry_interval there",
                    region, firstLine(e.getMessage()));
        }
    }

    public static String slotName(String region) {
        return "replica_" + region.replace('-', '_');
    }

    private String conninfo(String primary) {
        return commandConninfo(primary) + " password=" + nz(creds.replicatorPassword());
    }

    /**
     * For pg_basebackup and pg_receivewal: the password goes in PGPASSWORD, so a failed command's
     * message (which names its arguments) never carries it into a log.
     */
    private String commandConninfo(String primary) {
        Endpoint e = endpoint(primary);
        return "host=" + e.host() + " port=" + e.port() + " user=" + creds.replicator() + " application_name=" + region + " "
                + olympus.tls.PgTls.conninfo(tls);
    }

    private Map<String, String> replicatorEnv() {
        return Map.of("PGPASSWORD", nz(creds.replicatorPassword()));
    }

    /** Whether the data directory holds a cluster (PostgreSQL writes PG_VERSION first, at initdb or a base backup). */
    public boolean initialized() {
        return Files.exists(data.resolve("PG_VERSION"));
    }

    /**
     * Makes this host a replica of {@code primary} from nothing (a new or replaced replica host,
     * its data directory empty): its replication slot made anew on the primary, a base backup
     * through it, this host's own port and the standby settings, then start.
     *
     * <p>Why the slot is dropped first: a slot with this region's name left by the host this one
     * replaces holds WAL for a copy that no longer exists (or has lost it already, and then cannot
     * be streamed from at all); the new copy needs a slot from its own start. A slot some other
     * process still streams from is not dropped: PostgreSQL refuses, and so does the clone, with
     * that message (two hosts configured for one region).
     */
    public String cloneAsReplica(String primary, Duration timeout) {
        String slot = slotName(region);
        StringBuilder did = new StringBuilder();
        // The copy is made beside the data directory and moved in whole, so an agent killed
        // mid-copy leaves no data directory that looks initialized (PG_VERSION comes early in a
        // base backup); the next start removes the partial copy and begins again.
        Path partial = data.resolveSibling(data.getFileName() + ".clone-in-progress");
        run(List.of("rm", "-rf", partial.toString()), Duration.ofSeconds(60), Map.of());
        try {
            Files.createDirectories(data.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + data.getParent() + ": " + e.getMessage(), e);
        }
        try {
            run(asPostgres(List.of(bin + "pg_receivewal", "--drop-slot", "--slot=" + slot, "-d", commandConninfo(primary))),
                    Duration.ofSeconds(30), replicatorEnv());
            did.append("dropped the old slot ").append(slot).append(" on ").append(primary).append("; ");
        } catch (RuntimeException e) {
            if (!String.valueOf(e.getMessage()).contains("does not exist")) {
                throw new IllegalStateException("cannot drop replication slot " + slot + " on " + primary + ": "
                        + lastLine(e.getMessage()), e);
            }
        }
        long t0 = System.nanoTime();
        run(List.of("install", "-d", "-m", "0700", partial.toString()), Duration.ofSeconds(10), Map.of());
        chown(partial);
        run(asPostgres(List.of(bin + "pg_basebackup", "-D", partial.toString(), "-d", commandConninfo(primary), "-X", "stream", "-c", "fast",
                "-C", "-S", slot)), timeout, replicatorEnv());
        try {
            if (Files.isDirectory(data)) {
                Files.delete(data); // empty (else the data directory would hold a cluster or files the agent must not remove)
            }
            Files.move(partial, data);
        } catch (IOException e) {
            throw new UncheckedIOException("cloned into " + partial + " but cannot move it to " + data + " (" + e
                    + "): the data directory must be empty and on the same file system as its parent", e);
        }
        did.append("base backup of ").append(primary).append(" through slot ").append(slot).append(" in ")
                .append((System.nanoTime() - t0) / 1_000_000).append(" ms; ");
        String copied;
        try {
            copied = Files.readString(data.resolve("postgresql.auto.conf"));
        } catch (IOException e) {
            copied = "";
        }
        // The copy carries the primary's port (the local topology sets it per node); this host listens on its own.
        StringBuilder own = new StringBuilder();
        for (String line : copied.split("\n")) {
            if (!line.strip().startsWith("port")) {
                own.append(line).append('\n');
            }
        }
        own.append("port = ").append(endpoint(region).port()).append('\n');
        writeStandbyConfig(primary, own.toString());
        startPg();
        did.append("started as a standby of ").append(primary);
        return did.toString();
    }

    /**
     * Points this running replica at {@code primary} (primary_conninfo, slot, reload); first, when
     * it holds WAL past the point where the primary's timeline forked ({@link Divergence}), it is
     * rewound instead, since no reload could ever make it follow.
     */
    public String follow(String primary, Duration timeout) {
        Divergence d;
        try {
            d = divergence(primary);
        } catch (SQLException | RuntimeException e) {
            // Repointed unchecked, as before the check existed: most replicas can follow, and one
            // that diverged says so in its log and is rewound by `olympusctl rejoin`.
            LOG.warn("cannot compare {}'s WAL with {}'s history ({}); repointing it without the check", region, primary, firstLine(e.getMessage()));
            d = new Divergence(false, "history not checked: " + firstLine(e.getMessage()));
        }
        if (d.rewind()) {
            LOG.warn("follow {}: {}", primary, d.reason());
            return d.reason() + "; " + rejoin(primary, false, timeout);
        }
        LOG.info("follow {}: {}", primary, d.reason());
        try (PgSessions.Loan l = sessions.borrow(Duration.ofSeconds(10)); Statement s = l.connection().createStatement()) {
            s.execute("ALTER SYSTEM SET primary_conninfo = '" + conninfo(primary) + "'");
            s.execute("ALTER SYSTEM SET primary_slot_name = '" + slotName(region) + "'");
            s.execute("SELECT pg_reload_conf()");
            return "follows " + primary + " (" + d.reason() + ")";
        } catch (SQLException e) {
            throw new IllegalStateException("repoint replica " + region + " to " + primary + " failed: " + firstLine(e.getMessage()), e);
        }
    }

    /** This replica's timeline and furthest WAL against {@code primary}'s current timeline and history. */
    private Divergence divergence(String primary) throws SQLException {
        long position;
        int timeline;
        try (PgSessions.Loan l = sessions.borrow(Duration.ofSeconds(10)); Statement s = l.connection().createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_last_wal_replay_lsn()::text, pg_last_wal_receive_lsn()::text, "
                     + "(SELECT timeline_id FROM pg_control_checkpoint())")) {
            rs.next();
            // A restarted WAL receiver reports the start of its segment: the replay position can be further.
            position = Math.max(rs.getString(1) == null ? 0 : Lsn.parse(rs.getString(1)), rs.getString(2) == null ? 0 : Lsn.parse(rs.getString(2)));
            timeline = Math.max(rs.getInt(3), highestSegmentTimeline());
        }
        try (Connection c = superConn(primary, Duration.ofSeconds(10)); Statement s = c.createStatement()) {
            int primaryTimeline;
            try (ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery(), CASE WHEN pg_is_in_recovery() THEN NULL "
                    + "ELSE pg_walfile_name(pg_current_wal_lsn()) END")) {
                rs.next();
                if (rs.getBoolean(1)) {
                    throw new IllegalStateException(primary + " is still in recovery");
                }
                primaryTimeline = Integer.parseInt(rs.getString(2).substring(0, 8), 16);
            }
            String history = "";
            if (primaryTimeline > 1) {
                try (ResultSet rs = s.executeQuery(String.format("SELECT pg_read_file('pg_wal/%08X.history')", primaryTimeline))) {
                    rs.next();
                    history = rs.getString(1);
                }
            }
            return Divergence.decide(region, timeline, position, primary, primaryTimeline, Divergence.parseHistory(history));
        }
    }

    /**
     * The highest timeline this replica has WAL segments for (names are TTTTTTTT + 16 hex digits).
     * A replica writes segments only for the timeline it replays (the WAL it streams, the
     * segments a restartpoint recycles), never for a timeline it refused: unlike history files,
     * which it fetches while it checks a timeline it may then refuse.
     */
    private int highestSegmentTimeline() {
        try (var names = Files.list(data.resolve("pg_wal"))) {
            return names.map(p -> p.getFileName().toString()).filter(n -> n.matches("[0-9A-F]{24}"))
                    .mapToInt(n -> Integer.parseInt(n.substring(0, 8), 16)).max().orElse(0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + data.resolve("pg_wal"), e);
        }
    }

    /**
     * Turns this former primary into a replica of {@code primary}: stop, pg_rewind (unless it
     * stopped cleanly and the new primary replayed its shutdown checkpoint), standby, start; a
     * fresh base backup when the rewind or the start fails.
     */
    public String rejoin(String primary, boolean cleanStop, Duration timeout) {
        StringBuilder did = new StringBuilder();
        if (postmasterAlive()) {
            stopPg("fast", Duration.ofSeconds(30));
            did.append("stopped; ");
        }
        Path auto = data.resolve("postgresql.auto.conf");
        String saved;
        try {
            saved = Files.readString(auto);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Endpoint source = endpoint(primary);
        if (cleanStop) {
            did.append("clean stop, no rewind needed; ");
        } else {
            checkpoint(primary);
            try {
                String out = run(asPostgres(List.of(bin + "pg_rewind", "-D", data.toString(), "--source-server=host=" + source.host()
                                + " port=" + source.port() + " user=" + creds.superuser() + " dbname=postgres " + olympus.tls.PgTls.conninfo(tls))),
                        timeout, Map.of("PGPASSWORD", nz(creds.superuserPassword())));
                did.append(out.contains("no rewind required") ? "no rewind required; " : "pg_rewind done; ");
            } catch (RuntimeException e) {
                // pg_rewind cannot always read the WAL of a primary that crashed and was then
                // started fenced as a standby; a fresh copy of the new primary always works.
                LOG.warn("pg_rewind of {} failed ({}); cloning it again from {}", region, firstLine(e.getMessage()), primary);
                reclone(primary, timeout);
                did.append("pg_rewind failed (").append(lastLine(e.getMessage())).append("), re-cloned with pg_basebackup; ");
            }
        }
        try {
            writeStandbyConfig(primary, saved);
            startPg();
        } catch (RuntimeException e) {
            if (cleanStop) {
                throw new IllegalStateException(region + " did not start as a standby; its log says: " + logTail(), e);
            }
            // A rewound node can still fail to start (it needs WAL the new primary no longer has):
            // a fresh copy always can.
            String why = logTail();
            LOG.warn("{} did not start after the rewind ({}); cloning it again from {}", region, why, primary);
            reclone(primary, timeout);
            writeStandbyConfig(primary, saved);
            try {
                startPg();
            } catch (RuntimeException again) {
                throw new IllegalStateException(region + " did not start as a standby even after a fresh clone; its log says: " + logTail(), again);
            }
            did.append("did not start after the rewind (").append(why).append("), re-cloned with pg_basebackup; ");
        }
        did.append("started as a standby of ").append(primary);
        return did.toString();
    }

    /**
     * A CHECKPOINT on a just-promoted source before pg_rewind reads it: until its first checkpoint
     * after the promotion, its control file still names the old timeline, and pg_rewind then
     * answers "source and target cluster are on the same timeline, no rewind required" for a
     * target that did diverge (seen in FailoverIT: the replica then stayed on the dead timeline).
     */
    private void checkpoint(String primary) {
        try (Connection c = superConn(primary, Duration.ofSeconds(60)); Statement s = c.createStatement()) {
            s.execute("CHECKPOINT");
        } catch (SQLException e) {
            // pg_rewind still runs: it may find the timeline already in the control file, and
            // the fresh clone after it covers the rest.
            LOG.warn("CHECKPOINT on {} before the rewind failed ({}); rewinding anyway", primary, firstLine(e.getMessage()));
        }
    }

    /** Runs a migration in one transaction as the application's owner; returns the WAL position after commit. */
    public long apply(String sql, Duration timeout) {
        Endpoint e = endpoint(region);
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + e.host() + ":" + e.port() + "/" + creds.appDatabase()
                + "?connectTimeout=3&socketTimeout=" + Math.max(1, timeout.toSeconds()) + "&preferQueryMode=simple&"
                + olympus.tls.PgTls.jdbcParams(tls), creds.appUser(),
                creds.appPassword())) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute(sql);
            }
            c.commit();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
                rs.next();
                return Lsn.parse(rs.getString(1));
            }
        } catch (SQLException ex) {
            throw new IllegalStateException("migration failed on " + region + " (rolled back): " + firstLine(ex.getMessage()), ex);
        }
    }

    /**
     * pg_rewind and pg_basebackup copy the source's configuration files; this node keeps its own
     * (port, identity) and becomes a standby of the new primary.
     */
    private void writeStandbyConfig(String primary, String saved) {
        Path auto = data.resolve("postgresql.auto.conf");
        StringBuilder conf = new StringBuilder();
        for (String line : saved.split("\n")) {
            String l = line.strip();
            if (l.startsWith("primary_conninfo") || l.startsWith("primary_slot_name") || l.startsWith("default_transaction_read_only")) {
                continue;
            }
            conf.append(line).append('\n');
        }
        conf.append("primary_conninfo = '").append(conninfo(primary)).append("'\n");
        conf.append("primary_slot_name = '").append(slotName(region)).append("'\n");
        try {
            Files.writeString(auto, conf.toString());
            Files.writeString(data.resolve("standby.signal"), "");
            chown(auto);
            chown(data.resolve("standby.signal"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /*
     * pg_ctl's own -w waits poll every 100 ms (PostgreSQL 15's pg_ctl, WAITS_PER_SEC 10), and a
     * switchover waits on a stop, a promotion and a start while clients are paused: so pg_ctl is
     * run without waiting (-W) and the agent watches postmaster.pid itself every few milliseconds,
     * as pg_ctl does (the pid file is gone once the server has stopped; its status line says
     * "ready" or "standby" once it takes connections).
     */
    private static final long POLL_MS = 5;
    /** postmaster.pid's status line (LOCK_FILE_LINE_PM_STATUS, 1-based). */
    private static final int PID_FILE_STATUS_LINE = 8;

    private void stopPg(String mode, Duration timeout) {
        run(asPostgres(List.of(bin + "pg_ctl", "-D", data.toString(), "-m", mode, "-W", "stop")), Duration.ofSeconds(10), Map.of());
        long deadline = System.nanoTime() + timeout.toNanos();
        while (Files.exists(data.resolve("postmaster.pid")) && postmasterAlive()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(region + "'s PostgreSQL did not stop (" + mode + ") within " + timeout.toSeconds()
                        + " s; its log says: " + logTail());
            }
            sleep(POLL_MS);
        }
    }

    private void startPg() {
        Path pidFile = data.resolve("postmaster.pid");
        // A server killed before leaves its pid file behind until the new one rewrites it.
        String stale = readLines(pidFile).stream().findFirst().map(String::strip).orElse(null);
        run(asPostgres(List.of("setsid", bin + "pg_ctl", "-D", data.toString(), "-l", log.toString(), "-W", "start")),
                Duration.ofSeconds(10), Map.of());
        long start = System.nanoTime();
        long deadline = start + Duration.ofSeconds(60).toNanos();
        while (true) {
            List<String> lines = readLines(pidFile);
            if (!lines.isEmpty() && !lines.get(0).strip().equals(stale)) {
                if (!postmasterAlive()) {
                    throw new IllegalStateException(region + "'s PostgreSQL exited while starting; its log says: " + logTail());
                }
                String status = lines.size() >= PID_FILE_STATUS_LINE ? lines.get(PID_FILE_STATUS_LINE - 1).strip() : "";
                if (status.equals("ready") || status.equals("standby")) {
                    return;
                }
            } else if (System.nanoTime() - start > Duration.ofSeconds(10).toNanos()) {
                // pg_ctl forked a postmaster that never wrote its pid file: it failed at once.
                throw new IllegalStateException(region + "'s PostgreSQL did not start (no postmaster.pid after 10 s); its log says: " + logTail());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(region + "'s PostgreSQL did not accept connections within 60 s; its log says: " + logTail());
            }
            sleep(POLL_MS);
        }
    }

    private static List<String> readLines(Path p) {
        try {
            return Files.readAllLines(p);
        } catch (IOException e) {
            return List.of(); // absent, or being rewritten
        }
    }

    private void reclone(String primary, Duration timeout) {
        Path old = data.resolveSibling(data.getFileName() + ".before-reclone");
        run(List.of("rm", "-rf", old.toString()), Duration.ofSeconds(30), Map.of());
        try {
            Files.move(data, old);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + data + " aside: " + e.getMessage(), e);
        }
        run(asPostgres(List.of(bin + "pg_basebackup", "-D", data.toString(), "-d", commandConninfo(primary), "-X", "stream", "-c", "fast",
                "--no-sync")), timeout, replicatorEnv());
        run(List.of("rm", "-rf", old.toString()), Duration.ofSeconds(30), Map.of());
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            List<String> tail = lines.subList(Math.max(0, lines.size() - 40), lines.size());
            List<String> bad = tail.stream().filter(l -> l.contains("FATAL") || l.contains("PANIC") || l.contains("ERROR")).toList();
            return String.join(" | ", bad.isEmpty() ? tail.subList(Math.max(0, tail.size() - 3), tail.size())
                    : bad.subList(Math.max(0, bad.size() - 3), bad.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
