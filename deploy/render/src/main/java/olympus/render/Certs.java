package olympus.render;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A CA made for one deployment and a certificate per host, made with {@code openssl} (P-256
 * keys, PKCS#8 PEM: what nats-server, PostgreSQL, PgBouncer, Redis and the JDK all read). Each
 * host's certificate is valid for server and client use, so one file pair serves the host's
 * servers and is what its services present as clients. Keys are written mode 0600; the CA key
 * stays where it was made and is never copied to a host.
 */
public final class Certs {
    private Certs() {}

    public static final String CA_CERT = "ca.crt";
    public static final String CA_KEY = "ca.key";

    /** The CA in {@code dir} ({@code ca.crt}, {@code ca.key}); made if absent, kept if present. */
    public static Path ensureCa(Path dir, String name) {
        Path crt = dir.resolve(CA_CERT);
        Path key = dir.resolve(CA_KEY);
        if (Files.exists(crt) && Files.exists(key)) {
            return crt;
        }
        mkdirs(dir);
        openssl(dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key.toString());
        owner(key);
        openssl(dir, "req", "-x509", "-new", "-key", key.toString(), "-sha256", "-days", "3650", "-subj", "/CN=" + name + " CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", crt.toString());
        return crt;
    }

    /**
     * Issues {@code out/<name>.crt} and {@code out/<name>.key} signed by the CA in {@code caDir},
     * valid for {@code ips} and {@code dnsNames} (what clients dial: IP addresses as well as names,
     * since the deployment's configs use addresses). Kept if present.
     */
    public static void issue(Path caDir, Path out, String name, List<String> ips, List<String> dnsNames) {
        Path crt = out.resolve(name + ".crt");
        Path key = out.resolve(name + ".key");
        if (Files.exists(crt) && Files.exists(key)) {
            return;
        }
        mkdirs(out);
        List<String> san = new ArrayList<>();
        ips.forEach(ip -> san.add("IP:" + ip));
        dnsNames.forEach(d -> san.add("DNS:" + d));
        Path csr = out.resolve(name + ".csr");
        Path ext = out.resolve(name + ".ext");
        try {
            Files.writeString(ext, "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                    + "extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=" + String.join(",", san) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        openssl(out, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key.toString());
        owner(key);
        openssl(out, "req", "-new", "-key", key.toString(), "-subj", "/CN=" + name, "-out", csr.toString());
        openssl(out, "x509", "-req", "-in", csr.toString(), "-CA", caDir.resolve(CA_CERT).toString(), "-CAkey",
                caDir.resolve(CA_KEY).toString(), "-CAcreateserial", "-sha256", "-days", "825", "-extfile", ext.toString(),
                "-out", crt.toString());
        try {
            Files.deleteIfExists(csr);
            Files.deleteIfExists(ext);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void openssl(Path dir, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("openssl " + args[0] + " failed: " + out.strip());
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run openssl (" + e.getMessage() + "): install it with apt-get install -y openssl", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running openssl", e);
        }
    }

    private static void owner(Path key) {
        try {
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void mkdirs(Path d) {
        try {
            Files.createDirectories(d);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
