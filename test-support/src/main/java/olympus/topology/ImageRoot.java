package olympus.topology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An OCI image tarball (what {@code mvn -Pimages package} writes, {@code target/image/<service>.tar})
 * unpacked into a directory and run as a container engine would, without one: its layers
 * extracted in order, its entrypoint started in a chroot as the image's user, with the image's
 * environment overlaid by the deployment's, in fresh mount and PID namespaces with /proc, /dev and
 * a tmpfs /tmp (what a runtime gives a container). The network is the caller's (the region's
 * namespace in hosts mode, through {@link LocalTopology#inRegion}). Needs root (unshare, chroot).
 */
public final class ImageRoot {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** The parts of the image configuration a runtime uses. */
    public record Config(List<String> entrypoint, List<String> cmd, Map<String, String> env, String user,
                         Map<String, String> labels) {}

    private final Path root;
    private final Config config;

    private ImageRoot(Path root, Config config) {
        this.root = root;
        this.config = config;
    }

    public Path root() {
        return root;
    }

    public Config config() {
        return config;
    }

    /** Unpacks an OCI image layout tarball (index.json, blobs/sha256/...) into {@code dir}/rootfs. */
    public static ImageRoot unpack(Path imageTar, Path dir) throws IOException, InterruptedException {
        if (!Files.isRegularFile(imageTar)) {
            throw new IllegalStateException(imageTar + " is missing: build it with mvn -B -Pimages package");
        }
        Path layout = dir.resolve("layout");
        Path root = dir.resolve("rootfs");
        Files.createDirectories(layout);
        Files.createDirectories(root);
        run(List.of("tar", "-xf", imageTar.toString(), "-C", layout.toString()));
        JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
        JsonNode manifest = JSON.readTree(blob(layout, index.path("manifests").path(0).path("digest").asText()).toFile());
        JsonNode cfg = JSON.readTree(blob(layout, manifest.path("config").path("digest").asText()).toFile()).path("config");
        for (JsonNode layer : manifest.path("layers")) {
            // As root, tar keeps the layers' owners and modes (/tmp 1777, /app owned by the user).
            run(List.of("tar", "--numeric-owner", "-xzf", blob(layout, layer.path("digest").asText()).toString(),
                    "-C", root.toString()));
        }
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode e : cfg.path("Env")) {
            String s = e.asText();
            int eq = s.indexOf('=');
            env.put(s.substring(0, eq), s.substring(eq + 1));
        }
        Map<String, String> labels = new LinkedHashMap<>();
        cfg.path("Labels").fields().forEachRemaining(f -> labels.put(f.getKey(), f.getValue().asText()));
        return new ImageRoot(root, new Config(strings(cfg.path("Entrypoint")), strings(cfg.path("Cmd")), env,
                cfg.path("User").asText("0:0"), labels));
    }

    /**
     * Starts the image's entrypoint and command in the chroot, in {@code region}'s network, with
     * the image's environment and then {@code env} over it (as a compose file's environment
     * overrides the image's); output to {@code log}.
     */
    public Process start(LocalTopology t, String region, Map<String, String> env, Path log) throws IOException {
        List<String> inside = new ArrayList<>(config.entrypoint());
        inside.addAll(config.cmd());
        List<String> cmd = chrooted(inside);
        ProcessBuilder pb = new ProcessBuilder(t.inRegion(region, cmd)).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().clear();
        pb.environment().putAll(config.env());
        pb.environment().putAll(env);
        return pb.start();
    }

    /** Runs a command of the image (e.g. its healthcheck) in the chroot as the image's user; its exit status. */
    public int exec(LocalTopology t, String region, List<String> command) throws IOException, InterruptedException {
        List<String> cmd = chrooted(command);
        ProcessBuilder pb = new ProcessBuilder(t.inRegion(region, cmd)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().clear();
        pb.environment().putAll(config.env());
        Process p = pb.start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    /** {@code command} run in the chroot as the image's user, with /proc, /dev and /tmp mounted in fresh namespaces. */
    private List<String> chrooted(List<String> command) {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/unshare", "--mount", "--pid", "--fork", "--kill-child",
                "/bin/sh", "-c",
                "set -e; r=\"$1\"; u=\"$2\"; shift 2; "
                        + "/bin/mount -t proc proc \"$r/proc\"; /bin/mount --rbind /dev \"$r/dev\"; "
                        + "/bin/mount -t tmpfs -o mode=1777,size=64m tmpfs \"$r/tmp\"; "
                        + "exec /usr/sbin/chroot --userspec=\"$u\" \"$r\" \"$@\"",
                "sh", root.toString(), config.user()));
        cmd.addAll(command);
        return cmd;
    }

    /** The environment {@code deploy/local/topology env REGION ROLE} gives a service, as a map. */
    public static Map<String, String> serviceEnv(LocalTopology t, String region, olympus.render.NatsRole role) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : t.env(region, role).split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                env.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return env;
    }

    /**
     * Waits until {@code url} answers 200, failing with the log's tail when the process exits or
     * the time runs out.
     */
    public static void awaitOk(Process p, Path log, String url, Duration within) throws Exception {
        long end = System.nanoTime() + within.toNanos();
        String last = "(no answer)";
        while (System.nanoTime() < end) {
            if (!p.isAlive()) {
                throw new AssertionError("the image's entrypoint exited (" + p.exitValue() + "):\n" + tail(log));
            }
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(3)).build(),
                        HttpResponse.BodyHandlers.ofString());
                last = r.statusCode() + " " + r.body();
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // starting
            }
            Thread.sleep(250);
        }
        throw new AssertionError(url + " not 200 within " + within + ": " + last + "\n" + tail(log));
    }

    /** The status {@code url} answers now (-1 when it does not answer). */
    public static int status(String url) throws InterruptedException {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(3)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        }
    }

    /** The last 40 lines of a log. */
    public static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    private static Path blob(Path layout, String digest) {
        return layout.resolve("blobs").resolve("sha256").resolve(digest.substring(digest.indexOf(':') + 1));
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static void run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }
}
