package olympus.tls;

/**
 * How every client of PostgreSQL and PgBouncer asks for TLS: {@code verify-full} against the
 * deployment's CA (the server's certificate must be signed by it and name the address dialled),
 * never pgjdbc's default {@code prefer}, which encrypts but verifies nothing, so anyone on the path
 * can stand in for the primary. Without TLS files, plain connections ({@code disable}), said
 * explicitly so a URL never silently means "whatever the server offers".
 *
 * <p>Clients present no certificate to PostgreSQL: they log in with SCRAM passwords over the
 * verified channel. The servers still ask for one ({@code ssl_ca_file}), so a certificate from
 * another CA is refused at the handshake.
 */
public final class PgTls {
    private PgTls() {}

    /** URL parameters for pgjdbc, without a leading separator. */
    public static String jdbcParams(TlsFiles tls) {
        return tls == null ? "sslmode=disable" : "sslmode=verify-full&sslrootcert=" + tls.ca();
    }

    /** The same for libpq (pg_basebackup, pg_rewind, primary_conninfo, psql): conninfo keywords, without a leading space. */
    public static String conninfo(TlsFiles tls) {
        return tls == null ? "sslmode=disable" : "sslmode=verify-full sslrootcert=" + tls.ca();
    }
}
