package olympus.render;

/**
 * Where rendered files get their passwords from: the local topology's generated
 * {@code credentials.json}, or the secret files and environment variables a topology file names
 * ({@link SecretSource}).
 */
public interface Secrets {
    /** Password of NATS user {@code user} (a role's {@link NatsRole#user(String)}). */
    String natsPassword(String user);

    /** Password of PostgreSQL role (or PgBouncer user) {@code role}. */
    String pgPassword(String role);

    /** Password of Redis ACL user {@code user} ({@link RedisAcl#users}). */
    String redisPassword(String user);

    /** An HTTP API token or key the services take from configuration (names in {@link #TOKENS}). */
    String token(String name);

    String REVOCATION_INGEST = "revocation-ingest";
    String REVOCATION_CHECK = "revocation-check";
    String CAEP_HMAC = "caep-hmac";
    String FAILOVER_SRE = "failover-sre";
    String FAILOVER_VIEWER = "failover-viewer";
    /** Bearer tokens Hydra's token_hook (revocation-bus) and Kratos' web_hook (session-router) send. */
    String REVOCATION_HOOK = "revocation-hook";
    String ROUTER_HOOK = "router-hook";
    /** Bearer token Hydra, Athena and the other callers send to the session-router's read and write APIs. */
    String ROUTER_API = "router-api";
    java.util.List<String> TOKENS = java.util.List.of(REVOCATION_INGEST, REVOCATION_CHECK, CAEP_HMAC, FAILOVER_SRE, FAILOVER_VIEWER,
            REVOCATION_HOOK, ROUTER_HOOK, ROUTER_API);
}
