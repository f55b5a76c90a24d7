package olympus.render;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The topology file's model: what it reads, and what it refuses with the field named. */
class TopologyTest {
    static final String TWO_REGIONS_HOST = """
            version: 1
            runtime: host
            primary: eu-west
            regions:
              - {name: us-east, host: h-us, address: 10.0.1.2}
              - {name: eu-west, host: h-eu, address: 10.0.2.2, ports: {nats: 14222}}
            control:
              witnesses:
                - {name: witness-1, host: h-w1, address: 10.0.9.2}
            paths: {nats_data: /DATA/nats, control_data: /DATA/control}
            """;

    private static TopologyFileException refused(String yaml) {
        try {
            Topology.parse(yaml, "t.yml", null);
        } catch (TopologyFileException e) {
            return e;
        }
        throw new AssertionError("accepted: " + yaml);
    }

    @Test
    void readsTheExample() {
        Topology t = Topology.load(RenderTest.EXAMPLE);
        assertThat(t.regionNames()).containsExactly("us-east", "eu-west", "ap-south");
        assertThat(t.primary()).isEqualTo("us-east");
        assertThat(t.runtime()).isEqualTo(Topology.Runtime.COMPOSE);
        assertThat(t.controlNodes()).hasSize(3);
        assertThat(t.region("eu-west").postgresAddress()).isEqualTo("10.10.2.20");
        assertThat(t.region("eu-west").ports().pgbouncer()).isEqualTo(6432);
        assertThat(t.secrets().dir()).isEqualTo(Path.of("/etc/olympus/secrets"));
    }

    @Test
    void twoRegionsWithAWitness() {
        Topology t = Topology.parse(TWO_REGIONS_HOST, "t.yml", null);
        assertThat(t.controlNodes()).extracting(Topology.Node::name).containsExactly("us-east", "eu-west", "witness-1");
        assertThat(t.region("eu-west").ports().nats()).isEqualTo(14222);
        assertThat(t.region("eu-west").postgresAddress()).isEqualTo("10.0.2.2");
    }

    @Test
    void unknownPrimaryRegion() {
        assertThat(refused(TWO_REGIONS_HOST.replace("primary: eu-west", "primary: mars")).problems())
                .containsExactly("primary: \"mars\" is not a region; use one of [us-east, eu-west]");
    }

    @Test
    void duplicatePortsOnAHost() {
        assertThat(refused(TWO_REGIONS_HOST.replace("ports: {nats: 14222}", "ports: {nats: 14222, redis: 14222}")).problems())
                .containsExactly("regions[1].ports.redis: 14222 is also regions[1].ports.nats on address 10.0.2.2;"
                        + " give each listener on a host its own port");
    }

    @Test
    void twoRegionsOnOneAddressCollide() {
        assertThat(refused(TWO_REGIONS_HOST.replace("address: 10.0.2.2", "address: 10.0.1.2")).problems())
                .contains("regions[1].ports.nats_monitor: 8222 is also regions[0].ports.nats_monitor on address 10.0.1.2;"
                        + " give each listener on a host its own port");
    }

    @Test
    void missingHost() {
        TopologyFileException e = refused(TWO_REGIONS_HOST.replace("host: h-eu, ", ""));
        assertThat(e.problems()).containsExactly("regions[1].host: missing; set the host name; its files are rendered into"
                + " OUTDIR/<host>/ (OLYMPUS_HOST in the env file)");
        assertThat(e.getMessage()).startsWith("t.yml: 1 problem\n  regions[1].host: missing");
    }

    @Test
    void everyProblemAtOnce() {
        List<String> p = refused("""
                version: 2
                primary: nowhere
                regions:
                  - {name: us-east, address: 10.0.1.2, ports: {redis: lots}, colour: blue}
                  - {name: us-east, host: h2}
                """).problems();
        assertThat(p).anyMatch(s -> s.startsWith("version: \"2\" is not a version"))
                .anyMatch(s -> s.startsWith("regions[0].colour: unknown field"))
                .anyMatch(s -> s.startsWith("regions[0].host: missing"))
                .anyMatch(s -> s.equals("regions[0].ports.redis: expected a port number 1..65535, found \"lots\""))
                .anyMatch(s -> s.startsWith("regions[1].address: missing"))
                .anyMatch(s -> s.startsWith("regions[1].name: \"us-east\" is also regions[0].name"))
                .anyMatch(s -> s.startsWith("primary: \"nowhere\" is not a region"))
                .anyMatch(s -> s.startsWith("control.witnesses: 2 region(s) and 0 witness(es) make 2 control nodes"));
    }

    @Test
    void witnessesWithThreeRegionsAndBadNames() {
        assertThat(refused(Topology.class.getSimpleName().isEmpty() ? "" : """
                version: 1
                primary: a-one
                regions:
                  - {name: a-one, host: h1, address: 10.0.0.1}
                  - {name: b-two, host: h2, address: 10.0.0.2}
                  - {name: Bad_Name, host: h3, address: 10.0.0.3}
                control:
                  witnesses: [{name: w, host: h1, address: 10.0.0.9}]
                """).problems())
                .anyMatch(s -> s.startsWith("regions[2].name: "))
                .anyMatch(s -> s.startsWith("control.witnesses[0].host: \"h1\" is also regions[0].host"))
                .anyMatch(s -> s.equals("control.witnesses: 3 regions already make a control quorum; remove the witnesses"));
    }

    @Test
    void notYaml() {
        assertThat(refused("regions: [unclosed").problems().get(0)).startsWith("not YAML: ");
    }
}
