package olympus.topology;

import olympus.render.NatsRole;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Hosts mode: every region in its own network namespace at its own address; a cut takes its veth
 * down, the region keeps working inside, replication to it stops and catches up after the heal.
 * Its own topology (root only: it creates namespaces).
 */
class HostsModeIT {

    @Test
    void each_region_is_its_own_host_and_a_cut_region_keeps_working_inside() throws Exception {
        int base = TopologyExtension.freeBase();
        Path dir = Files.createTempDirectory("olympus-hosts-");
        TopologySpec spec = new TopologySpec(TopologySpec.regionNames(3), base, dir).withHosts(true);
        LocalTopology t = LocalTopology.of(spec, System.out::println);
        String primary = t.regions().get(0);
        String cut = t.regions().get(1);
        String other = t.regions().get(2);
        try {
            t.up();
            assertThat(t.servers()).allMatch(t::alive);
            assertThat(t.replication()).hasSize(2).allMatch(r -> r.state().equals("streaming"));
            for (int i = 0; i < 3; i++) {
                String r = t.regions().get(i);
                assertThat(t.host(r)).isEqualTo(spec.net().host(i)).startsWith("10.");
                assertThat(NetNamespaces.namespaceExists(t.namespace(r))).isTrue();
            }

            JsonNode state = new ObjectMapper().readTree(dir.resolve(LocalTopology.STATE_FILE).toFile());
            assertThat(state.path("hosts").asBoolean()).isTrue();
            JsonNode e1 = state.path("endpoints").path(cut);
            assertThat(e1.path("host").asText()).isEqualTo(t.host(cut));
            assertThat(e1.path("postgres").asInt()).isEqualTo(t.postgresPort(cut));
            assertThat(e1.path("pgbouncer").asInt()).isEqualTo(t.pgBouncerPort(cut));
            assertThat(e1.path("postgresFrom").path(primary).asInt()).isEqualTo(t.postgresPort(primary));
            assertThat(e1.path("postgresHostFrom").path(primary).asText()).isEqualTo(t.host(primary));
            assertThat(LocalTopology.load(dir, s -> { }).hostsMode()).isTrue();

            for (String r : t.regions()) {
                try (Connection nc = t.connect(r, NatsRole.ADMIN)) {
                    assertThat(nc.getStatus()).isEqualTo(Connection.Status.CONNECTED);
                    assertThat(nc.getConnectedUrl()).contains(t.host(r));
                }
            }

            t.up(); // again: nothing to do
            t.kill("nats-" + other);
            t.up(); // restarts it, in its namespace
            assertThat(t.servers()).allMatch(t::alive);
            assertThat(NetNamespaces.pidsIn(t.namespace(other)))
                    .contains(t.pid(t.server("nats-" + other)), t.pid(t.server("pg-" + other)));

            String first = insert(t);
            for (String r : t.regions()) {
                await("row on " + r).atMost(Duration.ofSeconds(15)).until(() -> hasRow(t, r, first));
            }

            t.cut(cut);
            assertThat(t.cutStatus()).isEqualTo("ok cut=" + cut);
            assertThat(Files.readAllLines(dir.resolve("cuts.txt"))).containsExactly(cut);
            assertThat(t.statusTable()).contains("ok cut=" + cut);

            // (a) from this JVM, in the root namespace: gone.
            assertThat(tcpConnects(t.host(cut), t.ports().nats(1))).as("NATS of the cut region from the JVM").isFalse();
            assertThat(tcpConnects(t.host(cut), t.postgresPort(cut))).as("PostgreSQL of the cut region from the JVM").isFalse();
            assertThat(hasRow(t, cut, first)).as("a query on the cut region from the JVM fails").isFalse();

            // (b) inside its namespace: its servers run and answer, on 127.0.0.1 and on its own address.
            assertThat(t.servers().stream().filter(s -> s.region().equals(cut))).allMatch(t::alive);
            for (String addr : List.of("127.0.0.1", t.host(cut))) {
                assertThat(psqlIn(t, cut, addr, "postgres", "SELECT 1")).as("psql SELECT 1 at " + addr).isEqualTo("1");
                assertThat(natsGreetingIn(t, cut, addr, t.ports().nats(1))).as("NATS at " + addr).startsWith("INFO");
                assertThat(natsGreetingIn(t, cut, addr, t.ports().control(1))).as("control node at " + addr).startsWith("INFO");
            }

            // (c) replication to it stops, the other replica keeps receiving.
            String during = insert(t);
            await("row on " + other + " during the cut").atMost(Duration.ofSeconds(15)).until(() -> hasRow(t, other, during));
            Thread.sleep(3000);
            assertThat(countIn(t, cut, during)).as("row on the cut replica").isEqualTo("0");
            assertThat(countIn(t, cut, first)).as("earlier row still on the cut replica").isEqualTo("1");

            t.heal(cut);
            assertThat(t.cutStatus()).isEqualTo("ok cut=");
            await("cut replica catches up").atMost(Duration.ofSeconds(90)).until(() -> hasRow(t, cut, during));
            await("streaming again").atMost(Duration.ofSeconds(90)).until(() -> t.replication().stream()
                    .filter(r -> r.state().equals("streaming")).count() == 2);
            try (Connection nc = t.connect(cut, NatsRole.ADMIN)) {
                assertThat(nc.getStatus()).isEqualTo(Connection.Status.CONNECTED);
            }
        } finally {
            t.down(true);
        }
        assertThat(t.namespacesLeft()).isEmpty();
        String netns = Proc.run(List.of(HostNet.IP, "netns", "list"), Duration.ofSeconds(10));
        assertThat(netns).doesNotContain(spec.net().prefix());
        assertThat(Proc.run(List.of(HostNet.IP, "route", "show"), Duration.ofSeconds(10))).doesNotContain(spec.net().subnet());
        assertThat(t.portsInUse()).isEmpty();
        assertThat(Proc.mentioning(dir.toString())).isEmpty();
        assertThat(dir).doesNotExist();
    }

    private static java.sql.Connection app(LocalTopology t, String jdbcUrl) throws Exception {
        return DriverManager.getConnection(jdbcUrl + (jdbcUrl.contains("?") ? "&" : "?") + "connectTimeout=3&socketTimeout=10",
                PgRoles.APP, t.credentials().pgPassword(PgRoles.APP));
    }

    private static String insert(LocalTopology t) throws Exception {
        String id = UUID.randomUUID().toString();
        try (java.sql.Connection c = app(t, t.pgBouncerJdbcUrl(t.primaryRegion())); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS hosts_it (id text primary key, at timestamptz default now())");
            s.execute("INSERT INTO hosts_it (id) VALUES ('" + id + "')");
        }
        return id;
    }

    private static boolean hasRow(LocalTopology t, String region, String id) {
        try (java.sql.Connection c = app(t, t.jdbcUrl(region)); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM hosts_it WHERE id = '" + id + "'")) {
            rs.next();
            return rs.getInt(1) == 1;
        } catch (Exception e) {
            return false;
        }
    }

    private static boolean tcpConnects(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** psql run inside the region's namespace (ip netns exec), over TCP to {@code addr}. */
    private static String psqlIn(LocalTopology t, String region, String addr, String db, String sql) {
        List<String> cmd = new ArrayList<>(List.of("psql", "-h", addr, "-p", Integer.toString(t.postgresPort(region)),
                "-U", PgRoles.SUPERUSER, "-d", db, "-tAc", sql));
        return Proc.run(t.inRegion(region, cmd), Duration.ofSeconds(20),
                Map.of("PGPASSWORD", t.credentials().pgPassword(PgRoles.SUPERUSER), "PGCONNECT_TIMEOUT", "5")).strip();
    }

    private static String countIn(LocalTopology t, String region, String id) {
        return psqlIn(t, region, "127.0.0.1", PgRoles.DATABASE, "SELECT count(*) FROM hosts_it WHERE id = '" + id + "'");
    }

    /** The first bytes a NATS server sends on a new TCP connection (its INFO line), read inside the region's namespace. */
    private static String natsGreetingIn(LocalTopology t, String region, String addr, int port) {
        return Proc.run(t.inRegion(region, List.of("timeout", "5", "bash", "-c",
                "exec 3<>/dev/tcp/" + addr + "/" + port + " && head -c 4 <&3")), Duration.ofSeconds(10));
    }
}
