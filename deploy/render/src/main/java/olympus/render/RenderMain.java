package olympus.render;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * {@code deploy/render/render TOPOLOGY.yml OUTDIR}: writes every host's configuration under
 * OUTDIR/&lt;host&gt;/, one line per file. Exit status 1 when the topology file has problems
 * (each listed, with its field), 2 on a usage error.
 */
public final class RenderMain {
    private RenderMain() {}

    public static void main(String[] args) {
        if (args.length != 2 || args[0].startsWith("-")) {
            System.err.println("usage: deploy/render/render TOPOLOGY.yml OUTDIR   (e.g. deploy/topology.example.yml deploy/compose/rendered)");
            System.exit(2);
        }
        try {
            System.exit(run(Path.of(args[0]), Path.of(args[1]), System.getenv()));
        } catch (TopologyFileException e) {
            System.err.println("render: " + e.getMessage());
            System.exit(1);
        } catch (RuntimeException e) {
            System.err.println("render: " + e.getMessage());
            System.exit(1);
        }
    }

    /** Renders and writes; returns the exit status. */
    public static int run(Path topologyFile, Path out, Map<String, String> env) {
        Topology t = Topology.load(topologyFile);
        SecretSource secrets = new SecretSource(t.secrets(), env);
        Map<String, String> files = new Renderer(t, secrets).render();
        for (Map.Entry<String, String> f : files.entrySet()) {
            Path p = out.resolve(f.getKey());
            try {
                Files.createDirectories(p.getParent());
                Files.writeString(p, f.getValue());
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Renderer.secret(f.getKey()) ? "rw-------" : "rw-r--r--"));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot write " + p, e);
            }
            System.out.println("render: wrote " + p + (Renderer.secret(f.getKey()) ? " (0600, holds passwords)" : ""));
        }
        System.out.println("render: " + files.size() + " files for " + t.controlNodes().size() + " hosts in " + out
                + " (" + t.runtime().name().toLowerCase(java.util.Locale.ROOT) + " runtime)");
        if (!secrets.missing().isEmpty()) {
            System.err.println("render: WARNING: " + secrets.missing().size() + " secrets not found; the files hold the placeholder "
                    + SecretSource.PLACEHOLDER + "-<kind>-<name> instead. Provide each, then render again:");
            secrets.missing().forEach(m -> System.err.println("render:   " + m));
        }
        return 0;
    }
}
