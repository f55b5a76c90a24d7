package olympus.topology;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * JUnit 5 fixture: {@code @ExtendWith(TopologyExtension.class)} and take a {@link LocalTopology}
 * as a constructor, lifecycle or test method parameter. One topology (3 regions) per test JVM,
 * shared by every test class in it and stopped when the JVM's tests end, so a module's
 * integration tests pay the start-up once. Tests that cut, kill or pause something call
 * {@link LocalTopology#repair()} when done so the next test finds a whole topology.
 *
 * <p>Ports come from a free block chosen at random (or {@code OLYMPUS_TEST_BASE_PORT}), so test
 * runs, a developer's demo topology and CI can share the machine. {@code OLYMPUS_TOPOLOGY_HOSTS=1}
 * runs it in hosts mode (one network namespace per region; root only).
 */
public final class TopologyExtension implements ParameterResolver {
    private static final String OWNER_FILE = "owner.pid";

    @Override
    public boolean supportsParameter(ParameterContext pc, ExtensionContext ec) {
        return pc.getParameter().getType() == LocalTopology.class;
    }

    @Override
    public Object resolveParameter(ParameterContext pc, ExtensionContext ec) {
        return shared(ec);
    }

    public static LocalTopology shared(ExtensionContext ec) {
        return ec.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(Holder.class, k -> new Holder(start()), Holder.class).topology;
    }

    /** Closed by JUnit when the root context closes (end of the JVM's test run). */
    private record Holder(LocalTopology topology) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            topology.down(true);
        }
    }

    private static LocalTopology start() {
        reapOrphans();
        String fixed = System.getenv("OLYMPUS_TEST_BASE_PORT");
        int base = fixed != null && !fixed.isBlank() ? Integer.parseInt(fixed.strip()) : freeBase();
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "olympus-it-" + base);
        TopologySpec spec = new TopologySpec(TopologySpec.regionNames(3), base, dir).withHosts(TopologySpec.hostsFromEnv());
        LocalTopology t = LocalTopology.of(spec, line -> System.out.println("[topology] " + line));
        t.up();
        PgNode.write(dir.resolve(OWNER_FILE), ProcessHandle.current().pid() + "\n");
        // Belt and braces: JUnit closes the store on a normal end; this covers an aborted run.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (Files.exists(dir)) {
                t.down(true);
            }
        }));
        return t;
    }

    /** Topologies left by test JVMs that were killed (their owner is gone): stop and remove them. */
    private static void reapOrphans() {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        try (Stream<Path> dirs = Files.list(tmp)) {
            for (Path d : dirs.filter(p -> p.getFileName().toString().startsWith("olympus-it-")).toList()) {
                long owner = Proc.readPid(d.resolve(OWNER_FILE)).orElse(-1L);
                if (owner > 0 && !Proc.alive(owner) && LocalTopology.exists(d)) {
                    System.out.println("[topology] removing orphaned test topology " + d);
                    LocalTopology.load(d, s -> { }).down(true);
                }
            }
        } catch (IOException | RuntimeException e) {
            System.out.println("[topology] could not reap orphans: " + e.getMessage());
        }
    }

    public static int freeBase() {
        for (int attempt = 0; attempt < 50; attempt++) {
            // Below Linux's ephemeral range (32768+), so an outgoing connection can't hold one of our ports.
            int base = 20000 + 10 * ThreadLocalRandom.current().nextInt(0, 1100);
            TopologySpec probe = new TopologySpec(TopologySpec.regionNames(3), base, Path.of("/tmp/probe"));
            if (allFree(LocalTopology.of0(probe).allPorts())) {
                return base;
            }
        }
        throw new TopologyException("no free block of ports found for a test topology");
    }

    private static boolean allFree(List<Integer> ports) {
        for (int p : ports) {
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), p));
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }
}
