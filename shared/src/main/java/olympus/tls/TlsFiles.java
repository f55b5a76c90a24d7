package olympus.tls;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The TLS files of one host (PEM): the CA that signed every certificate of the deployment, and
 * this host's certificate and private key (PKCS#8), which its servers present and its services
 * present as clients (every link is mutual TLS: a server asks for a client certificate signed by
 * the same CA). Every service reads them from the same three settings,
 * {@code olympus.tls.ca|cert|key} (environment {@code OLYMPUS_TLS_CA|CERT|KEY}); no CA set means
 * plain connections, for a deployment that terminates TLS elsewhere.
 *
 * <p>Trust is this CA only, never the JDK's default store: a certificate from any other CA (a
 * public one included) is refused.
 */
public record TlsFiles(Path ca, Path cert, Path key) {
    public static final String CA = "olympus.tls.ca";
    public static final String CERT = "olympus.tls.cert";
    public static final String KEY = "olympus.tls.key";

    public TlsFiles {
        if (ca == null || cert == null || key == null) {
            throw new IllegalArgumentException("TLS needs all three of " + CA + ", " + CERT + " and " + KEY
                    + " (OLYMPUS_TLS_CA, OLYMPUS_TLS_CERT, OLYMPUS_TLS_KEY): the CA, this host's certificate and its key");
        }
    }

    /**
     * From settings looked up by name ({@link #CA}, {@link #CERT}, {@link #KEY}); null when no CA
     * is set. Some set but not all three is a configuration error, not "no TLS".
     */
    public static TlsFiles from(Function<String, String> settings) {
        String ca = blankToNull(settings.apply(CA));
        String cert = blankToNull(settings.apply(CERT));
        String key = blankToNull(settings.apply(KEY));
        if (ca == null && cert == null && key == null) {
            return null;
        }
        return new TlsFiles(ca == null ? null : Path.of(ca), cert == null ? null : Path.of(cert), key == null ? null : Path.of(key));
    }

    /** The same settings as environment variables ({@code OLYMPUS_TLS_CA}, ...). */
    public static TlsFiles fromEnv(java.util.Map<String, String> env) {
        return from(k -> env.get(k.toUpperCase(java.util.Locale.ROOT).replace('.', '_')));
    }

    /** The settings that give these files, as a service reads them (e.g. Micronaut properties). */
    public java.util.Map<String, String> settings() {
        return java.util.Map.of(CA, ca.toString(), CERT, cert.toString(), KEY, key.toString());
    }

    /** The environment variables that give these files. */
    public java.util.Map<String, String> env() {
        return java.util.Map.of("OLYMPUS_TLS_CA", ca.toString(), "OLYMPUS_TLS_CERT", cert.toString(), "OLYMPUS_TLS_KEY", key.toString());
    }

    /** One context per set of files in this process (records compare by their paths). */
    private static final java.util.concurrent.ConcurrentHashMap<TlsFiles, SSLContext> CONTEXTS = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * A TLS 1.2/1.3 context that trusts the CA alone and presents this host's certificate. Made
     * once per process and kept: the node agent opens a PgBouncer console per PAUSE, RESUME and
     * RELOAD, and a context made per connection re-read and re-parsed the files and had no session
     * cache, so every one paid a full handshake (PAUSE in a switchover took 1.0-1.1 s with TLS
     * against 0.3 s without, 2026-12-06). So a renewed certificate takes a restart (as
     * PostgreSQL's and Redis' need a reload). A failure is not kept: the next call tries again.
     */
    public SSLContext sslContext() {
        return CONTEXTS.computeIfAbsent(this, TlsFiles::load);
    }

    private static SSLContext load(TlsFiles f) {
        Path ca = f.ca();
        Path cert = f.cert();
        Path key = f.key();
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            int i = 0;
            for (Certificate c : certificates(ca)) {
                trust.setCertificateEntry("ca-" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            char[] none = new char[0];
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            List<Certificate> chain = certificates(cert);
            keys.setKeyEntry("host", privateKey(key), none, chain.toArray(new Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, none);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot load TLS files (CA " + ca + ", certificate " + cert + ", key " + key + "): "
                    + e.getMessage() + "; they must be PEM, the key PKCS#8 (BEGIN PRIVATE KEY)", e);
        }
    }

    static List<Certificate> certificates(Path pem) throws IOException, GeneralSecurityException {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        List<Certificate> out = new ArrayList<>(cf.generateCertificates(new ByteArrayInputStream(Files.readAllBytes(pem))));
        if (out.isEmpty()) {
            throw new GeneralSecurityException(pem + " holds no certificate");
        }
        return out;
    }

    private static final Pattern PKCS8 = Pattern.compile("-----BEGIN PRIVATE KEY-----(.*?)-----END PRIVATE KEY-----", Pattern.DOTALL);

    static PrivateKey privateKey(Path pem) throws IOException, GeneralSecurityException {
        Matcher m = PKCS8.matcher(Files.readString(pem, StandardCharsets.US_ASCII));
        if (!m.find()) {
            throw new GeneralSecurityException(pem + " holds no PKCS#8 key (BEGIN PRIVATE KEY); convert it with openssl pkcs8 -topk8 -nocrypt");
        }
        byte[] der = Base64.getMimeDecoder().decode(m.group(1).trim());
        GeneralSecurityException last = null;
        for (String alg : List.of("EC", "RSA", "Ed25519")) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        throw new GeneralSecurityException(pem + ": not an EC, RSA or Ed25519 key", last);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
