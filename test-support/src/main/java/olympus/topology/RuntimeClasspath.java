package olympus.topology;

import olympus.render.NatsRole;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Starts a service module's main class on its <em>runtime</em> class path (target/classes plus
 * target/classpath-runtime.txt, written by the services' parent POM), as its own JVM with the
 * environment a deployment gives it, and checks that it comes up healthy and exports its meters.
 * Tests run services in-process on the test class path, which also holds test-only libraries; a
 * service that needs one at run time passes every such test and dies when deployed.
 */
public final class RuntimeClasspath {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private RuntimeClasspath() {}

    /** The module's runtime class path, from the working directory (surefire runs in the module's). */
    public static String classPath() throws IOException {
        Path file = Path.of("target", "classpath-runtime.txt");
        if (!Files.exists(file)) {
            throw new IllegalStateException(file.toAbsolutePath() + " is missing: the services' parent POM writes it "
                    + "(maven-dependency-plugin, generate-test-resources); run through Maven");
        }
        return Path.of("target", "classes").toAbsolutePath() + java.io.File.pathSeparator + Files.readString(file).strip();
    }

    /**
     * A module's runtime class path found from the working directory upwards (a benchmark runs
     * from the repository's root, a test from its module's directory), e.g. "services/node-agent".
     */
    public static String of(String module) {
        Path d = Path.of("").toAbsolutePath();
        while (d != null && !Files.exists(d.resolve(module).resolve("pom.xml"))) {
            d = d.getParent();
        }
        if (d == null) {
            throw new IllegalStateException(module + " not found above " + Path.of("").toAbsolutePath());
        }
        Path target = d.resolve(module).resolve("target");
        Path cp = target.resolve("classpath-runtime.txt");
        if (!Files.exists(cp) || !Files.isDirectory(target.resolve("classes"))) {
            throw new IllegalStateException(module + " is not built (" + cp + " is missing): run mvn -B -q -pl " + module
                    + " -am test-compile (a full mvn test or package builds it)");
        }
        try {
            return target.resolve("classes") + java.io.File.pathSeparator + Files.readString(cp).strip();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + cp, e);
        }
    }

    /**
     * Starts the service, waits up to 90 s for {@code /health} to answer 200, then up to 30 s for
     * {@code /prometheus} to list {@code metric} (one of the service's own, registered at start or
     * on its first periodic work), and stops the service. Throws AssertionError with the service's
     * log otherwise.
     */
    public static void assertStartsHealthyWithMetric(LocalTopology t, String region, NatsRole role, String mainClass,
                                                     String portVariable, String metric) throws Exception {
        List<String> jvm = List.of("-XX:+UseSerialGC", "-Xmx256m", "-XX:TieredStopAtLevel=1");
        try (ServiceProcess p = ServiceProcess.start(t, region, role, mainClass, portVariable, jvm, Map.of(), classPath())) {
            await(p, mainClass, Duration.ofSeconds(90), "/health", r -> r.statusCode() == 200);
            await(p, mainClass, Duration.ofSeconds(30), "/prometheus", r -> r.statusCode() == 200 && r.body().contains(metric));
        }
    }

    private static void await(ServiceProcess p, String mainClass, Duration within, String path,
                                java.util.function.Predicate<HttpResponse<String>> done) throws Exception {
        long end = System.nanoTime() + within.toNanos();
        String last = "(no answer)";
        while (System.nanoTime() < end) {
            if (!p.process().isAlive()) {
                throw new AssertionError(mainClass + " exited on its runtime class path:\n" + p.logTail());
            }
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(p.baseUrl() + path))
                        .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
                last = r.statusCode() + " " + (r.body().length() > 2000 ? r.body().substring(0, 2000) + "..." : r.body());
                if (done.test(r)) {
                    return;
                }
            } catch (IOException notYet) {
                // starting
            }
            Thread.sleep(250);
        }
        throw new AssertionError(mainClass + " on its runtime class path: " + path + " not as expected within " + within
                + ": " + last + "\n" + p.logTail());
    }
}
