package olympus.failover.node;

import olympus.wire.Lsn;

import olympus.failover.core.NodeAgent;
import olympus.failover.core.NodeStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link NodeAgent} for the local topology: SQL over JDBC (through the links from the
 * coordinator's region, so a cut region is unreachable as it would be in production), the
 * PgBouncer admin console, and pg_ctl / pg_rewind on the same machine as the postgres user.
 * In production each host runs an agent that does the file and process steps.
 */
public final class LocalNodeAgent implements NodeAgent {
    private static final Logger LOG = LoggerFactory.getLogger(LocalNodeAgent.class);
    private static final String BIN = "/usr/lib/postgresql/15/bin/";
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));
    private static final Pattern DB_LINE = Pattern.compile("^(\\S+) = host=(\\S+) port=(\\d+) dbname=(\\S+)\\s*$", Pattern.MULTILINE);

    private final LocalNodes nodes;
    private final String me;
    private final Duration probeTimeout;

    public LocalNodeAgent(LocalNodes nodes, String myRegion, Duration probeTimeout) {
        this.nodes = nodes;
        this.me = myRegion;
        this.probeTimeout = probeTimeout;
    }

    public LocalNodes nodes() {
        return nodes;
    }

    private Connection superConn(String region, Duration socketTimeout) throws SQLException {
        int port = nodes.postgresPortFrom(me, region);
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres?connectTimeout="
                        + Math.max(1, probeTimeout.toSeconds()) + "&socketTimeout=" + Math.max(1, socketTimeout.toSeconds())
                        + "&ApplicationName=olympus-failover-coordinator",
                "postgres", nodes.superPassword());
    }

    /**
     * One command on PgBouncer's admin console, through psql: the console speaks only a subset of
     * the protocol (pgjdbc's connection set-up is refused there with "SET failed").
     */
    private void bouncerAdmin(String region, String command, Duration timeout) {
        bouncerAdmin(region, List.of(command), timeout);
    }

    private void bouncerAdmin(String region, List<String> commands, Duration timeout) {
        List<String> cmd = new ArrayList<>(List.of("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1"));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        cmd.add("host=127.0.0.1 port=" + nodes.pgBouncerPort(region) + " dbname=pgbouncer user=pgbouncer_admin connect_timeout="
                                + Math.max(1, probeTimeout.toSeconds()));
        run(cmd, timeout, Map.of("PGPASSWORD", nodes.bouncerAdminPassword()));
    }

    @Override
    public NodeStatus status(String region) {
        try (Connection c = superConn(region, probeTimeout.multipliedBy(2)); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery(), current_setting('default_transaction_read_only') = 'on', "
                     + "CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END, "
                     + "pg_last_wal_receive_lsn()::text, pg_last_wal_replay_lsn()::text")) {
            rs.next();
            boolean rec = rs.getBoolean(1);
            boolean ro = rs.getBoolean(2);
            Long replay = lsn(rs.getString(5));
            Long receive = lsn(rs.getString(4));
            Long wal = rec ? max(receive, replay) : lsn(rs.getString(3));
            return new NodeStatus(region, true, rec, ro, wal, replay, null);
        } catch (SQLException e) {
            return NodeStatus.unreachable(region, firstLine(e.getMessage()));
        }
    }

    private static Long max(Long a, Long b) {
        return a == null ? b : b == null ? a : Long.valueOf(Math.max(a, b));
    }

    private static Long lsn(String s) {
        return s == null ? null : Lsn.parse(s);
    }

    @Override
    public void pausePool(String region, Duration timeout) {
        try {
            bouncerAdmin(region, "PAUSE", timeout);
        } catch (RuntimeException e) {
            String msg = firstLine(e.getMessage());
            if (msg.contains("already")) {
                return;
            }
            // A PAUSE that timed out may still be pending inside PgBouncer: undo it.
            try {
                resumePool(region);
            } catch (RuntimeException ignored) {
                // reported below
            }
            throw new IllegalStateException("PgBouncer PAUSE in " + region + " failed: " + msg, e);
        }
    }

    @Override
    public void resumePool(String region) {
        try {
            bouncerAdmin(region, "RESUME", Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            String msg = firstLine(e.getMessage());
            if (msg.contains("not paused") || msg.contains("Pooler is not paused")) {
                return;
            }
            throw new IllegalStateException("PgBouncer RESUME in " + region + " failed: " + msg, e);
        }
    }

    @Override
    public void repointPool(String region, String primary) {
        rewriteIni(region, primary);
        try {
            bouncerAdmin(region, "RELOAD", Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            throw new IllegalStateException("PgBouncer RELOAD in " + region + " failed: " + firstLine(e.getMessage()), e);
        }
    }

    @Override
    public void repointAndResume(String region, String primary) {
        rewriteIni(region, primary);
        try {
            bouncerAdmin(region, List.of("RELOAD", "RESUME"), Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            if (!firstLine(e.getMessage()).contains("not paused")) {
                throw new IllegalStateException("PgBouncer RELOAD+RESUME in " + region + " failed: " + firstLine(e.getMessage()), e);
            }
        }
    }

    private void rewriteIni(String region, String primary) {
        Path ini = nodes.pgBouncerIni(region);
        int port = nodes.postgresPortFrom(region, primary);
        try {
            String text = Files.readString(ini);
            Matcher m = DB_LINE.matcher(text);
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(sb, Matcher.quoteReplacement(m.group(1) + " = host=" + m.group(2) + " port=" + port + " dbname=" + m.group(4)));
            }
            m.appendTail(sb);
            Path tmp = ini.resolveSibling("pgbouncer.ini.tmp");
            Files.writeString(tmp, sb.toString(), StandardCharsets.UTF_8);
            chown(tmp);
            // Rename so PgBouncer never reads a half-written file.
            Files.move(tmp, ini, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rewrite " + ini + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String fence(String region) {
        try (Connection c = superConn(region, Duration.ofSeconds(10)); Statement s = c.createStatement()) {
            s.execute("ALTER SYSTEM SET default_transaction_read_only = on");
            s.execute("SELECT pg_reload_conf()");
            // A session keeps its old default until it next reads its configuration: end them all.
            s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                    + "AND pid <> pg_backend_pid()");
            awaitReadOnly(region);
            return "read-only (ALTER SYSTEM default_transaction_read_only + reload), client sessions terminated";
        } catch (SQLException e) {
            String why = firstLine(e.getMessage());
            if (!postmasterAlive(region)) {
                fenceOffline(region);
                return "unreachable (" + why + ") and not running: standby.signal written, it restarts as a read-only standby";
            }
            return "NOT fenced: unreachable (" + why + ") but running; its region's coordinator fences it when it loses the control plane";
        }
    }

    private void awaitReadOnly(String region) throws SQLException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            try (Connection c = superConn(region, Duration.ofSeconds(5)); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SHOW transaction_read_only")) {
                rs.next();
                if ("on".equals(rs.getString(1))) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new SQLException("the fence did not take effect within 5 s");
            }
            sleep(20);
        }
    }

    /** The node is down: make sure it cannot come back as a writable primary. */
    void fenceOffline(String region) {
        Path data = nodes.pgData(region);
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

    private boolean postmasterAlive(String region) {
        Path pidFile = nodes.pgData(region).resolve("postmaster.pid");
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

    @Override
    public long shutDown(String region, Duration timeout) {
        Path data = nodes.pgData(region);
        if (postmasterAlive(region)) {
            run(asPostgres(List.of(BIN + "pg_ctl", "-D", data.toString(), "-m", "fast", "-w", "-t", Long.toString(Math.max(1, timeout.toSeconds())),
                    "stop")), timeout.plusSeconds(5), Map.of());
        }
        String out = run(asPostgres(List.of(BIN + "pg_controldata", "-D", data.toString())), Duration.ofSeconds(10), Map.of("LC_ALL", "C"));
        for (String line : out.split("\n")) {
            if (line.startsWith("Latest checkpoint location:")) {
                return Lsn.parse(line.substring(line.indexOf(':') + 1).strip());
            }
        }
        throw new IllegalStateException("pg_controldata of " + region + " shows no checkpoint location");
    }

    @Override
    public String restart(String region) {
        if (postmasterAlive(region)) {
            return "already running";
        }
        run(asPostgres(List.of("setsid", BIN + "pg_ctl", "-D", nodes.pgData(region).toString(), "-l", nodes.pgLog(region).toString(),
                "-w", "-t", "60", "start")), Duration.ofSeconds(70), Map.of());
        return "started";
    }

    @Override
    public long currentWalLsn(String region) {
        try (Connection c = superConn(region, Duration.ofSeconds(10)); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            rs.next();
            return Lsn.parse(rs.getString(1));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the WAL position of " + region + ": " + firstLine(e.getMessage()), e);
        }
    }

    @Override
    public void promote(String region, Duration timeout) {
        try (Connection c = superConn(region, timeout.plusSeconds(5)); Statement s = c.createStatement()) {
            s.execute("ALTER SYSTEM RESET default_transaction_read_only");
            // A standby whose upstream just went away sleeps wal_retrieve_retry_interval (5 s by
            // default) between attempts, and was seen to notice the promotion only after it.
            s.execute("ALTER SYSTEM SET wal_retrieve_retry_interval = '200ms'");
            s.execute("SELECT pg_reload_conf()");
            try (ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery()")) {
                rs.next();
                if (rs.getBoolean(1)) {
                    try (ResultSet p = s.executeQuery("SELECT pg_promote(true, " + Math.max(1, timeout.toSeconds()) + ")")) {
                        p.next();
                        if (!p.getBoolean(1)) {
                            throw new IllegalStateException("pg_promote on " + region + " did not finish within " + timeout.toSeconds() + " s");
                        }
                    }
                }
            }
            for (String r : nodes.regions()) {
                String slot = LocalNodes.slotName(r);
                if (r.equals(region)) {
                    s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + slot + "' AND NOT active");
                } else {
                    s.execute("SELECT pg_create_physical_replication_slot('" + slot + "') WHERE NOT EXISTS "
                            + "(SELECT 1 FROM pg_replication_slots WHERE slot_name = '" + slot + "')");
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("promote " + region + " failed: " + firstLine(e.getMessage()), e);
        }
    }

    @Override
    public void unfence(String region) {
        try (Connection c = superConn(region, Duration.ofSeconds(10)); Statement s = c.createStatement()) {
            s.execute("ALTER SYSTEM RESET default_transaction_read_only");
            s.execute("SELECT pg_reload_conf()");
        } catch (SQLException e) {
            throw new IllegalStateException("unfence " + region + " failed: " + firstLine(e.getMessage()), e);
        }
    }

    private String conninfo(String region, String primary) {
        return "host=127.0.0.1 port=" + nodes.postgresPortFrom(region, primary) + " user=replicator password="
                + nodes.replicatorPassword() + " application_name=" + region;
    }

    @Override
    public void follow(String region, String primary) {
        try (Connection c = superConn(region, Duration.ofSeconds(10)); Statement s = c.createStatement()) {
            s.execute("ALTER SYSTEM SET primary_conninfo = '" + conninfo(region, primary) + "'");
            s.execute("ALTER SYSTEM SET primary_slot_name = '" + LocalNodes.slotName(region) + "'");
            s.execute("SELECT pg_reload_conf()");
        } catch (SQLException e) {
            throw new IllegalStateException("repoint replica " + region + " to " + primary + " failed: " + firstLine(e.getMessage()), e);
        }
    }

    @Override
    public String rejoin(String region, String primary, boolean cleanStop, Duration timeout) {
        Path data = nodes.pgData(region);
        StringBuilder did = new StringBuilder();
        if (postmasterAlive(region)) {
            run(asPostgres(List.of(BIN + "pg_ctl", "-D", data.toString(), "-m", "fast", "-w", "-t", "30", "stop")), Duration.ofSeconds(40), Map.of());
            did.append("stopped; ");
        }
        Path auto = data.resolve("postgresql.auto.conf");
        String saved;
        try {
            saved = Files.readString(auto);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String source = "host=127.0.0.1 port=" + nodes.postgresPortFrom(region, primary) + " user=postgres dbname=postgres";
        if (cleanStop) {
            did.append("clean stop, no rewind needed; ");
        } else {
            try {
                String out = run(asPostgres(List.of(BIN + "pg_rewind", "-D", data.toString(), "--source-server=" + source)),
                        timeout, Map.of("PGPASSWORD", nodes.superPassword()));
                did.append(out.contains("no rewind required") ? "no rewind required; " : "pg_rewind done; ");
            } catch (RuntimeException e) {
                // pg_rewind cannot always read the WAL of a primary that crashed and was then
                // started fenced as a standby; a fresh copy of the new primary always works.
                LOG.warn("pg_rewind of {} failed ({}); cloning it again from {}", region, firstLine(e.getMessage()), primary);
                reclone(region, primary, timeout);
                did.append("pg_rewind failed (").append(lastLine(e.getMessage())).append("), re-cloned with pg_basebackup; ");
            }
        }
        try {
            writeStandbyConfig(region, primary, saved);
            startPg(region);
        } catch (RuntimeException e) {
            if (cleanStop) {
                throw new IllegalStateException(region + " did not start as a standby; its log says: " + logTail(region), e);
            }
            // A rewound node can still fail to start (e.g. it needs WAL the new primary no longer
            // has, or its crash left it past the fork): a fresh copy always can.
            String why = logTail(region);
            LOG.warn("{} did not start after the rewind ({}); cloning it again from {}", region, why, primary);
            reclone(region, primary, timeout);
            writeStandbyConfig(region, primary, saved);
            try {
                startPg(region);
            } catch (RuntimeException again) {
                throw new IllegalStateException(region + " did not start as a standby even after a fresh clone; its log says: " + logTail(region), again);
            }
            did.append("did not start after the rewind (").append(why).append("), re-cloned with pg_basebackup; ");
        }
        did.append("started as a standby of ").append(primary);
        return did.toString();
    }

    @Override
    public long apply(String region, String sql, Duration timeout) {
        int port = nodes.postgresPortFrom(me, region);
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/olympus?connectTimeout=3&socketTimeout="
                + Math.max(1, timeout.toSeconds()) + "&preferQueryMode=simple", "olympus", nodes.appPassword())) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute(sql);
            }
            c.commit();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
                rs.next();
                return Lsn.parse(rs.getString(1));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("migration failed on " + region + " (rolled back): " + firstLine(e.getMessage()), e);
        }
    }

    /**
     * pg_rewind and pg_basebackup copy the source's configuration files; this node keeps its own
     * (port, identity) and becomes a standby of the new primary.
     */
    private void writeStandbyConfig(String region, String primary, String saved) {
        Path data = nodes.pgData(region);
        Path auto = data.resolve("postgresql.auto.conf");
        StringBuilder conf = new StringBuilder();
        for (String line : saved.split("\n")) {
            String l = line.strip();
            if (l.startsWith("primary_conninfo") || l.startsWith("primary_slot_name") || l.startsWith("default_transaction_read_only")) {
                continue;
            }
            conf.append(line).append('\n');
        }
        conf.append("primary_conninfo = '").append(conninfo(region, primary)).append("'\n");
        conf.append("primary_slot_name = '").append(LocalNodes.slotName(region)).append("'\n");
        try {
            Files.writeString(auto, conf.toString());
            Files.writeString(data.resolve("standby.signal"), "");
            chown(auto);
            chown(data.resolve("standby.signal"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void startPg(String region) {
        run(asPostgres(List.of("setsid", BIN + "pg_ctl", "-D", nodes.pgData(region).toString(), "-l", nodes.pgLog(region).toString(),
                "-w", "-t", "60", "start")), Duration.ofSeconds(70), Map.of());
    }

    /** Replaces the data directory with a base backup of {@code primary} (the replica's own settings are restored by the caller). */
    private void reclone(String region, String primary, Duration timeout) {
        Path data = nodes.pgData(region);
        Path old = data.resolveSibling("data.before-reclone");
        run(List.of("rm", "-rf", old.toString()), Duration.ofSeconds(30), Map.of());
        try {
            Files.move(data, old);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + data + " aside: " + e.getMessage(), e);
        }
        run(asPostgres(List.of(BIN + "pg_basebackup", "-D", data.toString(), "-d", conninfo(region, primary), "-X", "stream", "-c", "fast",
                "--no-sync")), timeout, Map.of());
        run(List.of("rm", "-rf", old.toString()), Duration.ofSeconds(30), Map.of());
    }

    private static String lastLine(String s) {
        List<String> l = s == null ? List.of() : s.lines().toList();
        return l.isEmpty() ? "" : l.get(l.size() - 1);
    }

    private String logTail(String region) {
        try {
            List<String> lines = Files.readAllLines(nodes.pgLog(region));
            List<String> tail = lines.subList(Math.max(0, lines.size() - 40), lines.size());
            List<String> bad = tail.stream().filter(l -> l.contains("FATAL") || l.contains("PANIC") || l.contains("ERROR")).toList();
            return String.join(" | ", bad.isEmpty() ? tail.subList(Math.max(0, tail.size() - 3), tail.size())
                    : bad.subList(Math.max(0, bad.size() - 3), bad.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    // ---------------------------------------------------------------- processes

    private static List<String> asPostgres(List<String> cmd) {
        if (!ROOT) {
            return cmd;
        }
        List<String> c = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
        c.addAll(cmd);
        return c;
    }

    private static void chown(Path p) {
        if (ROOT) {
            run(List.of("chown", "postgres:postgres", p.toString()), Duration.ofSeconds(10), Map.of());
        }
    }

    static String run(List<String> cmd, Duration timeout, Map<String, String> env) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().putAll(env);
            Process p = pb.start();
            p.getOutputStream().close();
            // Read in the background so that the timeout holds even if the command never ends.
            java.util.concurrent.CompletableFuture<byte[]> out = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return p.getInputStream().readAllBytes();
                } catch (IOException e) {
                    return new byte[0];
                }
            });
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out after " + timeout.toMillis() + " ms: " + String.join(" ", cmd.subList(0, Math.min(cmd.size(), 8))));
            }
            String text = new String(out.join(), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException("command failed (exit " + p.exitValue() + "): " + String.join(" ", cmd) + ": " + text.strip());
            }
            LOG.debug("{}: {}", cmd, text.strip());
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
