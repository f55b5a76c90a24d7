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

    /**
     * {@code tls: {ca_dir: DIR}}: the deployment's CA in DIR (made once; its key never leaves
     * DIR), and per host {@code OUT/<host>/tls/} with {@code ca.crt}, {@code host.crt} and
     * {@code host.key}, kept across renders (delete a host's folder to issue it anew). The key is
     * 0640: its owner is the servers' and services' user, its group the node agent's (see
     * deploy/README.md, "TLS").
     */
    static void certificates(Topology t, Path out) {
        Path caDir = out.resolve(t.tlsCaDir());
        for (Topology.Node n : t.controlNodes()) {
            if (caDir.toAbsolutePath().normalize().startsWith(out.resolve(n.host()).toAbsolutePath().normalize())) {
                throw new IllegalArgumentException("tls.ca_dir " + caDir + " is inside host " + n.host()
                        + "'s folder, which is copied to that host: keep the CA key elsewhere");
            }
        }
        Certs.ensureCa(caDir, "olympus deployment");
        Renderer r = new Renderer(t, null);
        for (int i = 0; i < t.controlNodes().size(); i++) {
            Topology.Node n = t.controlNodes().get(i);
            Path dir = out.resolve(n.host()).resolve("tls");
            Renderer.CertNames names = r.certNames(i);
            Path crt = dir.resolve(Topology.TLS_CERT);
            boolean existed = Files.exists(crt);
            Certs.issue(caDir, dir, "host", names.ips(), names.dnsNames());
            try {
                Files.copy(caDir.resolve(Certs.CA_CERT), dir.resolve(Certs.CA_CERT), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                Files.setPosixFilePermissions(dir.resolve(Topology.TLS_KEY), PosixFilePermissions.fromString("rw-r-----"));
                Files.setPosixFilePermissions(dir.resolve(Certs.CA_CERT), PosixFilePermissions.fromString("rw-r--r--"));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot write " + dir, e);
            }
            System.out.println("render: " + (existed ? "kept " : "issued ") + crt + " (valid for " + String.join(", ", names.ips())
                    + ", " + String.join(", ", names.dnsNames()) + "), " + dir.resolve(Topology.TLS_KEY) + " (0640), "
                    + dir.resolve(Certs.CA_CERT) + " (the CA in " + caDir + ")");
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
        if (t.tlsCaDir() != null) {
            certificates(t, out);
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
