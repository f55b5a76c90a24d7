package olympus.render;

/**
 * A region's PgBouncer: points at the primary ({@code primaryHost:primaryPort}), transaction
 * pooling, admin console user {@link PgRoles#PGBOUNCER_ADMIN} (PAUSE/RESUME/RELOAD for
 * switchovers; the node agent rewrites the two database lines and RELOADs).
 *
 * @param listenAddr comma-separated addresses
 * @param pidFile    null: none
 * @param logFile    null: standard error
 * @param tls        null: plain connections both ways
 */
public record PgBouncerConf(String primaryHost, int primaryPort, String listenAddr, int listenPort, String authFile,
                            String pidFile, String logFile, NatsConfigs.Tls tls) {
    /**
     * Clients must use TLS (Hydra, Kratos, Athena and the services: sslmode=verify-full against
     * the deployment's CA, so PgBouncer presents the host's certificate); PgBouncer itself
     * verifies the primary's certificate and address against the same CA.
     */
    private String tlsSettings() {
        return tls == null ? "" : """
                client_tls_sslmode = require
                client_tls_cert_file = %s
                client_tls_key_file = %s
                client_tls_ca_file = %s
                server_tls_sslmode = verify-full
                server_tls_ca_file = %s
                """.formatted(tls.certFile(), tls.keyFile(), tls.caFile(), tls.caFile());
    }

    public String ini() {
        return """
                [databases]
                %s = host=%s port=%d dbname=%s
                postgres = host=%s port=%d dbname=postgres

                [pgbouncer]
                listen_addr = %s
                listen_port = %d
                unix_socket_dir =
                auth_type = scram-sha-256
                auth_file = %s
                ; transaction pooling: what Kratos/Hydra use behind PgBouncer, and what lets
                ; PAUSE hold clients between transactions during a planned switchover
                pool_mode = transaction
                admin_users = %s
                stats_users = %s
                max_client_conn = 1000
                default_pool_size = 20
                server_connect_timeout = 3
                ; after a failed connect (a cut-off old primary) it waits this long before trying
                ; again, also at the new primary it was just repointed to: 1 s of it was in the
                ; first write after a failover (bench failover-hosts)
                server_login_retry = 0.1
                query_wait_timeout = 30
                ignore_startup_parameters = extra_float_digits,options
                """.formatted(PgRoles.DATABASE, primaryHost, primaryPort, PgRoles.DATABASE, primaryHost, primaryPort,
                listenAddr, listenPort, authFile, PgRoles.PGBOUNCER_ADMIN, PgRoles.MONITOR)
                + tlsSettings()
                + (pidFile == null ? "" : "pidfile = " + pidFile + "\n")
                + (logFile == null ? "" : "logfile = " + logFile + "\n");
    }

    /** {@code auth_file}: each user PgBouncer knows, with its password (PgBouncer derives SCRAM from it). */
    public static String userlist(Secrets secrets) {
        StringBuilder users = new StringBuilder();
        for (String role : PgRoles.PGBOUNCER_USERS) {
            users.append('"').append(role).append("\" \"").append(secrets.pgPassword(role)).append("\"\n");
        }
        return users.toString();
    }
}
