package olympus.topology;

import olympus.topology.Ports.LinkKind;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** One region's PostgreSQL: the primary, or a streaming replica of it through a cuttable link. */
final class PgNode {
    static final String BIN = "/usr/lib/postgresql/15/bin/";

    private final TopologySpec spec;
    private final Credentials creds;
    final int index;
    final String region;
    final Path dir;
    /** This node's TLS files (postgres' copies); null: plain. */
    private final olympus.render.NatsConfigs.Tls tls;

    PgNode(TopologySpec spec, Credentials creds, int index, olympus.render.NatsConfigs.Tls tls) {
        this.tls = tls;
        this.spec = spec;
        this.creds = creds;
        this.index = index;
        this.region = spec.regions().get(index);
        this.dir = spec.workDir().resolve("pg").resolve(region);
    }

    Path data() {
        return dir.resolve("data");
    }

    Path log() {
        return dir.resolve("postgres.log");
    }

    int port() {
        return spec.ports().postgres(index);
    }

    static String slotName(String region) {
        return "replica_" + region.replace('-', '_');
    }

    boolean initialized() {
        return Files.exists(data().resolve("PG_VERSION"));
    }

    /**
     * Settings for every node, primary or replica (a replica is a copy of the primary's data
     * directory, so it gets them too, which is what a later switchover needs).
     */
    private String settings() {
        return new olympus.render.PostgresConf("olympus local topology", listenAddresses(), port(),
                spec.workDir().resolve("sock").toString(), true, null).render();
    }

    /**
     * 127.0.0.1; in hosts mode every address of the node's namespace (its loopback and its own
     * 10.X.i.2): '*' there means exactly those, so the primary's configuration a replica copies
     * is right in the replica's namespace too.
     */
    private String listenAddresses() {
        return spec.hosts() ? "*" : "127.0.0.1";
    }

    /** Address at which other nodes and the root namespace reach this PostgreSQL. */
    String host() {
        return spec.host(index);
    }

    void initPrimary() {
        mkdirs();
        Path pw = dir.resolve("pw");
        write(pw, creds.pgPassword(PgRoles.SUPERUSER) + "\n");
        chown(dir);
        Proc.run(Proc.asPostgres(List.of(BIN + "initdb", "-D", data().toString(), "-U", PgRoles.SUPERUSER,
                "--pwfile=" + pw, "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
                "--locale=C", "--no-sync")), Duration.ofSeconds(60));
        delete(pw);
        append(data().resolve("postgresql.conf"), settings());
        ownTlsSettings();
        // With TLS every TCP line is hostssl: a connection without TLS matches none and is refused.
        String host = tls == null ? "host" : "hostssl";
        write(data().resolve("pg_hba.conf"), """
                local all all trust
                %1$s all all 127.0.0.1/32 scram-sha-256
                %1$s replication %2$s 127.0.0.1/32 scram-sha-256
                """.formatted(host, PgRoles.REPLICATOR) + (spec.hosts() ? """
                # hosts mode: the other regions' namespaces and the root namespace (10.X.i.1)
                %1$s all all %3$s scram-sha-256
                %1$s replication %2$s %3$s scram-sha-256
                """.formatted(host, PgRoles.REPLICATOR, spec.net().subnet()) : ""));
        chown(dir);
        start();
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + PgRoles.REPLICATOR + " WITH REPLICATION LOGIN PASSWORD '" + creds.pgPassword(PgRoles.REPLICATOR) + "'");
            s.execute("CREATE ROLE " + PgRoles.APP + " WITH LOGIN PASSWORD '" + creds.pgPassword(PgRoles.APP) + "'");
            s.execute("CREATE ROLE " + PgRoles.MONITOR + " WITH LOGIN PASSWORD '" + creds.pgPassword(PgRoles.MONITOR) + "'");
            s.execute("GRANT pg_monitor TO " + PgRoles.MONITOR);
            s.execute("CREATE DATABASE " + PgRoles.DATABASE + " OWNER " + PgRoles.APP);
        } catch (SQLException e) {
            throw new TopologyException("cannot create roles on the primary in " + region + ": " + e.getMessage(), e);
        }
        try (Connection c = connect(PgRoles.DATABASE); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + PgRoles.OPS_SCHEMA + " AUTHORIZATION " + PgRoles.MONITOR);
            s.execute("GRANT USAGE ON SCHEMA " + PgRoles.OPS_SCHEMA + " TO " + PgRoles.APP);
            s.execute("ALTER DEFAULT PRIVILEGES FOR ROLE " + PgRoles.MONITOR + " IN SCHEMA " + PgRoles.OPS_SCHEMA
                    + " GRANT SELECT ON TABLES TO " + PgRoles.APP);
        } catch (SQLException e) {
            throw new TopologyException("cannot create schema on the primary in " + region + ": " + e.getMessage(), e);
        }
    }

    /**
     * Clones the primary through the link from this region (in hosts mode: directly, from this
     * region's namespace to the primary's address), then streams from it.
     */
    void initReplica(PgNode primary) {
        mkdirs();
        chown(dir);
        String upstreamHost = spec.hosts() ? primary.host() : "127.0.0.1";
        int upstream = spec.hosts() ? primary.port() : spec.ports().link(index, primary.index, LinkKind.POSTGRES);
        String conn = "host=" + upstreamHost + " port=" + upstream + " user=" + PgRoles.REPLICATOR
                + " password=" + creds.pgPassword(PgRoles.REPLICATOR) + " application_name=" + region + " " + libpqSsl();
        try (Connection c = primary.connect("postgres"); Statement s = c.createStatement()) {
            s.execute("SELECT pg_create_physical_replication_slot('" + slotName(region) + "') "
                    + "WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = '" + slotName(region) + "')");
        } catch (SQLException e) {
            throw new TopologyException("cannot create replication slot for " + region + ": " + e.getMessage(), e);
        }
        Proc.run(spec.inNode(index, Proc.asPostgres(List.of(BIN + "pg_basebackup", "-D", data().toString(), "-d", conn,
                "-X", "stream", "-c", "fast", "--no-sync"))), Duration.ofSeconds(120));
        append(data().resolve("postgresql.auto.conf"), """
                port = %d
                primary_conninfo = '%s'
                primary_slot_name = '%s'
                """.formatted(port(), conn, slotName(region)));
        // The copy has the primary's certificate settings: this node presents its own.
        ownTlsSettings();
        write(data().resolve("standby.signal"), "");
        chown(dir);
        start();
    }

    /**
     * In postgresql.auto.conf, which is this node's own: a base backup's copy is replaced by it
     * (and the node agent keeps it across a rewind or a re-clone), so each node keeps presenting
     * its own certificate wherever the primary is.
     */
    private void ownTlsSettings() {
        if (tls != null) {
            append(data().resolve("postgresql.auto.conf"), olympus.render.PostgresConf.tlsSettings(tls));
        }
    }

    /** libpq's TLS keywords for connections from this node (replication): verify-full against the CA. */
    private String libpqSsl() {
        return tls == null ? "sslmode=disable" : "sslmode=verify-full sslrootcert=" + tls.caFile();
    }

    void start() {
        Proc.run(spec.inNode(index, Proc.asPostgres(List.of("setsid", BIN + "pg_ctl", "-D", data().toString(), "-l", log().toString(),
                "-w", "-t", "60", "start"))), Duration.ofSeconds(70));
    }

    long pid() {
        return Proc.readPid(data().resolve("postmaster.pid")).orElse(-1L);
    }

    boolean alive() {
        return Proc.alive(pid());
    }

    void stop() {
        if (alive()) {
            Proc.run(Proc.asPostgres(List.of(BIN + "pg_ctl", "-D", data().toString(), "-m", "fast", "-w", "-t", "30", "stop")),
                    Duration.ofSeconds(40));
        }
    }

    Connection connect(String database) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://" + host() + ":" + port() + "/" + database
                        + "?connectTimeout=3&socketTimeout=10&ApplicationName=olympus-topology&"
                        + (tls == null ? "sslmode=disable" : "sslmode=verify-full&sslrootcert=" + tls.caFile()),
                PgRoles.SUPERUSER, creds.pgPassword(PgRoles.SUPERUSER));
    }

    void execute(String sql) {
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new TopologyException(sql + " failed on " + region + ": " + e.getMessage(), e);
        }
    }

    boolean inRecovery() throws SQLException {
        try (Connection c = connect("postgres"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery()")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private void mkdirs() {
        try {
            Files.createDirectories(dir);
            Files.createDirectories(spec.workDir().resolve("sock"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void chown(Path p) {
        if (Proc.ROOT) {
            Proc.run(List.of("chown", "-R", "postgres:postgres", p.toString()), Duration.ofSeconds(30));
        }
    }

    static void write(Path p, String text) {
        try {
            Files.writeString(p, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void append(Path p, String text) {
        try {
            Files.writeString(p, text, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes the data directory of a stopped server (before {@link #initReplica} clones it again). */
    void wipeData() {
        if (alive()) {
            throw new TopologyException(region + " is still running: stop it before removing its data");
        }
        Proc.deleteTree(data());
    }

    private static void delete(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
