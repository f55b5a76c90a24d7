package olympus.topology;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Names and addresses of hosts mode, and the mode's flag on TopologySpec: pure, no network. */
class HostNetTest {

    @Test
    void prefix_is_oly_and_four_hex_digits_of_the_working_directory_and_stable() {
        String a = HostNet.prefix(Path.of("/tmp/olympus-local"));
        assertThat(a).matches("oly[0-9a-f]{4}");
        assertThat(HostNet.prefix(Path.of("/tmp/../tmp/olympus-local"))).isEqualTo(a);
        assertThat(HostNet.prefix(Path.of("/tmp/olympus-it-24000"))).isNotEqualTo(a);
    }

    @Test
    void topologies_whose_port_blocks_do_not_overlap_get_different_subnets() {
        for (int base = 1024; base + Ports.SPAN <= 65535 - Ports.SPAN; base += 37) {
            assertThat(HostNet.octet(base)).isBetween(160, 252);
            assertThat(HostNet.octet(base + Ports.SPAN)).isNotEqualTo(HostNet.octet(base));
        }
        assertThat(HostNet.octet(65535 - Ports.SPAN)).isLessThanOrEqualTo(252);
    }

    @Test
    void names_and_addresses_per_node() {
        HostNet n = new HostNet("olyab12", 218);
        assertThat(n.namespace(0)).isEqualTo("olyab12-0");
        assertThat(n.rootVeth(2)).isEqualTo("olyab12-2h");
        assertThat(n.nsVeth(2)).isEqualTo("olyab12-2n");
        assertThat(n.host(1)).isEqualTo("10.218.1.2");
        assertThat(n.gateway(1)).isEqualTo("10.218.1.1");
        assertThat(n.subnet()).isEqualTo("10.218.0.0/16");
        // Interface names hold at most 15 bytes (IFNAMSIZ 16).
        assertThat(n.rootVeth(Ports.MAX_NODES - 1).length()).isLessThanOrEqualTo(15);
        assertThat(n.exec(1, List.of("psql", "-c", "SELECT 1")))
                .containsExactly(HostNet.IP, "netns", "exec", "olyab12-1", "psql", "-c", "SELECT 1");
    }

    @Test
    void owns_only_its_own_names() {
        HostNet n = new HostNet("olyab12", 218);
        assertThat(List.of("olyab12-0", "olyab12-10", "olyab12-3h", "olyab12-3n")).allMatch(n::owns);
        assertThat(List.of("olyab13-0", "olyab12-", "olyab12-0x", "xolyab12-0", "eth0", "olyab12-1hh")).noneMatch(n::owns);
    }

    @Test
    void rejects_bad_prefixes_and_octets() {
        assertThatThrownBy(() -> new HostNet("oly12", 200)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HostNet("olyab12", 256)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void spec_defaults_to_one_namespace_and_withHosts_switches() {
        TopologySpec old = new TopologySpec(TopologySpec.regionNames(2), 24000, Path.of("/tmp/t"));
        assertThat(old.hosts()).isFalse();
        assertThat(old.host(0)).isEqualTo("127.0.0.1");
        assertThat(old.host(2)).isEqualTo("127.0.0.1"); // the witness
        assertThat(old.inNode(1, List.of("true"))).containsExactly("true");

        TopologySpec hosts = old.withHosts(true);
        assertThat(hosts.hosts()).isTrue();
        assertThat(hosts.regions()).isEqualTo(old.regions());
        int x = HostNet.octet(24000);
        assertThat(hosts.host(0)).isEqualTo("10." + x + ".0.2");
        assertThat(hosts.host(2)).as("witness control node, own namespace").isEqualTo("10." + x + ".2.2");
        assertThat(hosts.inNode(2, List.of("true"))).containsExactly(HostNet.IP, "netns", "exec", hosts.net().namespace(2), "true");
        assertThat(hosts.withHosts(false)).isEqualTo(old);
    }

    @Test
    void the_environment_flag() {
        assertThat(List.of("1", "true", "YES", " yes ")).allMatch(TopologySpec::hostsFlag);
        assertThat(java.util.Arrays.asList(null, "", "0", "no", "false")).noneMatch(TopologySpec::hostsFlag);
    }

    @Test
    void parses_listening_sockets_of_proc_net_tcp() {
        String listen = "   2: 0100007F:5DC7 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999 0 4242 1";
        String established = "   3: 0100007F:5DC7 0100007F:9C40 01 00000000:00000000 00:00000000 00000000   999 0 4243 1";
        assertThat(NetNamespaces.listensIn(listen, 0x5DC7)).isTrue();
        assertThat(NetNamespaces.listensIn(listen, 0x5DC8)).isFalse();
        assertThat(NetNamespaces.listensIn(established, 0x5DC7)).isFalse();
        assertThat(NetNamespaces.listensIn("  sl  local_address rem_address   st tx_queue", 0x5DC7)).isFalse();
    }

    @Test
    void endpoints_in_both_modes() {
        TopologySpec spec = new TopologySpec(TopologySpec.regionNames(3), 24000, Path.of("/tmp/t"));
        LocalTopology old = LocalTopology.of0(spec);
        assertThat(old.host("eu-west")).isEqualTo("127.0.0.1");
        assertThat(old.natsUrl("eu-west")).isEqualTo("nats://127.0.0.1:24010");
        assertThat(old.jdbcUrl("eu-west")).isEqualTo("jdbc:postgresql://127.0.0.1:24017/olympus?sslmode=disable");
        assertThat(old.postgresHostFrom("eu-west", "us-east")).isEqualTo("127.0.0.1");
        assertThat(old.postgresPortFrom("eu-west", "us-east")).isEqualTo(spec.ports().link(1, 0, Ports.LinkKind.POSTGRES));
        assertThat(old.inRegion("eu-west", List.of("true"))).containsExactly("true");
        assertThat(old.servers()).anyMatch(s -> s.name().equals("links"));

        LocalTopology hosts = LocalTopology.of0(spec.withHosts(true));
        String h1 = spec.net().host(1);
        assertThat(hosts.host("eu-west")).isEqualTo(h1);
        assertThat(hosts.natsUrl("eu-west")).isEqualTo("nats://" + h1 + ":24010");
        assertThat(hosts.controlUrl("eu-west")).isEqualTo("nats://" + h1 + ":24012");
        assertThat(hosts.redisUri("eu-west")).isEqualTo("redis://" + h1 + ":24016");
        assertThat(hosts.jdbcUrl("eu-west")).isEqualTo("jdbc:postgresql://" + h1 + ":24017/olympus?sslmode=disable");
        assertThat(hosts.pgBouncerJdbcUrl("eu-west")).isEqualTo("jdbc:postgresql://" + h1 + ":24018/olympus?prepareThreshold=0&sslmode=disable");
        assertThat(hosts.postgresHostFrom("eu-west", "us-east")).isEqualTo(spec.net().host(0));
        assertThat(hosts.postgresPortFrom("eu-west", "us-east")).isEqualTo(24007);
        assertThat(hosts.postgresEndpointsFrom("eu-west")).isEqualTo("us-east=" + spec.net().host(0) + ":24007,eu-west="
                + h1 + ":24017,ap-south=" + spec.net().host(2) + ":24027");
        assertThat(hosts.inRegion("eu-west", List.of("true"))).containsExactly(HostNet.IP, "netns", "exec", spec.net().namespace(1), "true");
        assertThat(hosts.servers()).noneMatch(s -> s.name().equals("links"));

        for (LocalTopology t : List.of(old, hosts)) {
            assertThatThrownBy(() -> t.natsUrl("mars")).hasMessageContaining("unknown region 'mars'");
            assertThatThrownBy(() -> t.inRegion("mars", List.of("true"))).hasMessageContaining("unknown region 'mars'");
        }
        LocalTopology twoRegions = LocalTopology.of0(new TopologySpec(TopologySpec.regionNames(2), 24000, Path.of("/tmp/t")).withHosts(true));
        assertThat(twoRegions.host("witness-1")).isEqualTo(spec.net().host(2));
        assertThat(twoRegions.namespace("witness-1")).isEqualTo(spec.net().namespace(2));
    }
}
