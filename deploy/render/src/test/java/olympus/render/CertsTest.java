package olympus.render;

import olympus.tls.TlsFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The CA and host certificates made with openssl load into the JDK, and trust is the deployment's CA alone. */
class CertsTest {
    @TempDir
    Path dir;

    @Test
    void a_hosts_certificate_loads_and_only_its_own_ca_is_trusted() throws Exception {
        Path ours = dir.resolve("ours");
        Path theirs = dir.resolve("theirs");
        Certs.ensureCa(ours, "test");
        Certs.ensureCa(theirs, "other");
        Certs.issue(ours, ours, "us-east", List.of("127.0.0.1", "10.1.0.2"), List.of("localhost"));
        Certs.issue(theirs, theirs, "us-east", List.of("127.0.0.1"), List.of("localhost"));

        assertThat(Files.getPosixFilePermissions(ours.resolve("us-east.key"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(ours.resolve(Certs.CA_KEY))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        TlsFiles tls = new TlsFiles(ours.resolve(Certs.CA_CERT), ours.resolve("us-east.crt"), ours.resolve("us-east.key"));
        assertThat(tls.sslContext().getProtocol()).isEqualTo("TLS");

        X509TrustManager trust = trustOnly(ours.resolve(Certs.CA_CERT));
        trust.checkServerTrusted(new X509Certificate[] {cert(ours.resolve("us-east.crt"))}, "ECDHE_ECDSA");
        assertThatThrownBy(() -> trust.checkServerTrusted(new X509Certificate[] {cert(theirs.resolve("us-east.crt"))}, "ECDHE_ECDSA"))
                .isInstanceOf(CertificateException.class);
        List<String> names = cert(ours.resolve("us-east.crt")).getSubjectAlternativeNames().stream().map(l -> String.valueOf(l.get(1))).toList();
        assertThat(names).contains("127.0.0.1", "10.1.0.2", "localhost");
    }

    @Test
    void making_them_again_keeps_the_ca_and_the_certificates() throws Exception {
        Certs.ensureCa(dir, "test");
        Certs.issue(dir, dir, "eu-west", List.of("127.0.0.1"), List.of());
        byte[] ca = Files.readAllBytes(dir.resolve(Certs.CA_CERT));
        byte[] crt = Files.readAllBytes(dir.resolve("eu-west.crt"));
        Certs.ensureCa(dir, "test");
        Certs.issue(dir, dir, "eu-west", List.of("127.0.0.1"), List.of());
        assertThat(Files.readAllBytes(dir.resolve(Certs.CA_CERT))).isEqualTo(ca);
        assertThat(Files.readAllBytes(dir.resolve("eu-west.crt"))).isEqualTo(crt);
    }

    @Test
    void partial_tls_settings_are_an_error_and_none_mean_plain() {
        assertThat(TlsFiles.from(k -> null)).isNull();
        assertThatThrownBy(() -> TlsFiles.from(k -> k.equals(TlsFiles.CA) ? "/ca.crt" : null))
                .hasMessageContaining("OLYMPUS_TLS_CERT");
        assertThatThrownBy(() -> new TlsFiles(dir.resolve("none"), dir.resolve("none"), dir.resolve("none")).sslContext())
                .hasMessageContaining("cannot load TLS files");
    }

    private static X509Certificate cert(Path p) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(Files.readAllBytes(p)));
    }

    private static X509TrustManager trustOnly(Path ca) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("ca", cert(ca));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        return (X509TrustManager) tmf.getTrustManagers()[0];
    }
}
