package olympus.render;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The environment a service runs with in one region: what every service reads (see each
 * service's README and application.yml). The local topology gives a process all of it
 * ({@link #all}); a rendered host's {@code env/<service>.env} holds only what that service reads
 * ({@link #forService}), so no file holds another role's password.
 */
public final class ServiceEnv {
    private ServiceEnv() {}

    /** Paths of the database host, for the node agent only. */
    public record AgentPaths(String pgBin, String pgData, String pgLog, String pgBouncerIni, String stateDir) {}

    /**
     * What the variables are made of, as seen from the region's host.
     *
     * @param redisUri       this region's Redis over TCP
     * @param redisLocalUri  the same for the request-path services placed beside it (a Unix socket where there is one)
     * @param topologyDir    the local topology's working directory; null on real hosts
     * @param httpPorts      HTTP port per service name (revocation-bus, lag-monitor, ...)
     * @param tls            the host's TLS files as its services see them; null: plain connections
     */
    public record Inputs(String region, List<String> regions, String primaryRegion, String natsUrl, String controlUrl,
                         String redisUri, String redisLocalUri, String redisEndpoints, String postgresEndpoints,
                         int pgBouncerPort, String topologyDir, Map<String, Integer> httpPorts, AgentPaths agent,
                         NatsConfigs.Tls tls) {}

    /** The TLS settings every service reads (olympus.tls.ca|cert|key, shared TlsFiles). */
    static final Set<String> TLS = Set.of("OLYMPUS_TLS_CA", "OLYMPUS_TLS_CERT", "OLYMPUS_TLS_KEY");

    public static final String CAEP_ISSUER = "https://olympus.local/ssf";
    public static final String CAEP_AUDIENCE = "https://olympus.local/revocation-bus";

    /** Every variable, for {@code role}'s user in the region: what the local topology gives each process. */
    public static Map<String, String> all(Inputs in, NatsRole role, Secrets secrets) {
        Map<String, String> e = new LinkedHashMap<>();
        e.put("OLYMPUS_REGION", in.region());
        e.put("OLYMPUS_REGIONS", String.join(",", in.regions()));
        e.put("OLYMPUS_PRIMARY_REGION", in.primaryRegion());
        e.put("NATS_URL", in.natsUrl());
        e.put("NATS_CONTROL_URL", in.controlUrl());
        e.put("NATS_USER", role.user(in.region()));
        e.put("NATS_PASSWORD", secrets.natsPassword(role.user(in.region())));
        if (in.tls() != null) {
            // One CA and one certificate per host: the services present the host's certificate to
            // NATS, Redis and PostgreSQL, and trust servers signed by the deployment's CA only.
            e.put("OLYMPUS_TLS_CA", in.tls().caFile());
            e.put("OLYMPUS_TLS_CERT", in.tls().certFile());
            e.put("OLYMPUS_TLS_KEY", in.tls().keyFile());
        }
        // The request-path services reach their region's Redis over its Unix socket where it is
        // on the same host: a lookup costs less CPU on both sides than over TCP loopback (both
        // services ship Netty's native epoll transport, which Lettuce needs for sockets).
        e.put("REDIS_URI", role == NatsRole.SESSION_ROUTER || role == NatsRole.REVOCATION_BUS ? in.redisLocalUri() : in.redisUri());
        if (role == NatsRole.SESSION_ROUTER || role == NatsRole.REVOCATION_BUS) {
            // Its own ACL user (RedisAcl): the bus may write the denylist, the router its markers.
            e.put("REDIS_USER", role.user(in.region()));
            e.put("REDIS_PASSWORD", secrets.redisPassword(role.user(in.region())));
        }
        e.put("OLYMPUS_REDIS_ENDPOINTS", in.redisEndpoints());
        e.put("OLYMPUS_POSTGRES_ENDPOINTS", in.postgresEndpoints());
        e.put("PGBOUNCER_PORT", Integer.toString(in.pgBouncerPort()));
        // pgjdbc's default (prefer) verifies nothing: verify-full against OLYMPUS_TLS_CA, or plain.
        e.put("PG_SSLMODE", in.tls() == null ? "disable" : "verify-full");
        e.put("PGDATABASE", PgRoles.DATABASE);
        e.put("PG_APP_USER", PgRoles.APP);
        e.put("PG_APP_PASSWORD", secrets.pgPassword(PgRoles.APP));
        e.put("PG_MONITOR_USER", PgRoles.MONITOR);
        e.put("PG_MONITOR_PASSWORD", secrets.pgPassword(PgRoles.MONITOR));
        if (in.topologyDir() != null) {
            e.put("OLYMPUS_TOPOLOGY_DIR", in.topologyDir());
        }
        e.put("REVOCATION_INGEST_TOKENS", secrets.token(Secrets.REVOCATION_INGEST));
        e.put("REVOCATION_CHECK_TOKENS", secrets.token(Secrets.REVOCATION_CHECK));
        e.put("REVOCATION_HOOK_TOKENS", secrets.token(Secrets.REVOCATION_HOOK));
        e.put("ROUTER_HOOK_TOKENS", secrets.token(Secrets.ROUTER_HOOK));
        e.put("ROUTER_API_TOKENS", secrets.token(Secrets.ROUTER_API));
        e.put("REVOCATION_CAEP_HMAC_SECRET", secrets.token(Secrets.CAEP_HMAC));
        e.put("REVOCATION_CAEP_ISSUER", CAEP_ISSUER);
        e.put("REVOCATION_CAEP_AUDIENCE", CAEP_AUDIENCE);
        e.put("FAILOVER_API_TOKENS", secrets.token(Secrets.FAILOVER_SRE) + "=automation:sre,"
                + secrets.token(Secrets.FAILOVER_VIEWER) + "=viewer:viewer");
        for (String service : SERVICES) {
            e.put("HTTP_PORT_" + service.toUpperCase(java.util.Locale.ROOT).replace('-', '_'), Integer.toString(in.httpPorts().get(service)));
        }
        if (role == NatsRole.NODE_AGENT) {
            // Only the node agent gets the database host's paths and its administrative passwords:
            // no coordinator holds any database password.
            e.put("PG_SUPERUSER", PgRoles.SUPERUSER);
            e.put("PG_SUPERUSER_PASSWORD", secrets.pgPassword(PgRoles.SUPERUSER));
            e.put("PGBOUNCER_ADMIN_USER", PgRoles.PGBOUNCER_ADMIN);
            e.put("PGBOUNCER_ADMIN_PASSWORD", secrets.pgPassword(PgRoles.PGBOUNCER_ADMIN));
            e.put("PG_REPLICATOR_PASSWORD", secrets.pgPassword(PgRoles.REPLICATOR));
            e.put("OLYMPUS_PG_BIN", in.agent().pgBin());
            e.put("OLYMPUS_PG_DATA", in.agent().pgData());
            e.put("OLYMPUS_PG_LOG", in.agent().pgLog());
            e.put("OLYMPUS_PGBOUNCER_INI", in.agent().pgBouncerIni());
            e.put("OLYMPUS_AGENT_STATE_DIR", in.agent().stateDir());
        }
        return e;
    }

    /** The services, in the order their HTTP ports are numbered. */
    public static final List<String> SERVICES = List.of("revocation-bus", "lag-monitor", "session-router", "failover-coordinator",
            "node-agent");

    /** The NATS role each service connects as. */
    public static NatsRole role(String service) {
        return switch (service) {
            case "revocation-bus" -> NatsRole.REVOCATION_BUS;
            case "lag-monitor" -> NatsRole.LAG_MONITOR;
            case "session-router" -> NatsRole.SESSION_ROUTER;
            case "failover-coordinator" -> NatsRole.FAILOVER_COORDINATOR;
            case "node-agent" -> NatsRole.NODE_AGENT;
            default -> throw new IllegalArgumentException("unknown service " + service + ": services are " + SERVICES);
        };
    }

    /** The variables each service reads (its application.yml), of those {@link #all} makes. */
    static final Map<String, Set<String>> READS = Map.of(
            "revocation-bus", Set.of("OLYMPUS_REGION", "OLYMPUS_REGIONS", "NATS_URL", "NATS_USER", "NATS_PASSWORD", "REDIS_URI",
                    "REDIS_USER", "REDIS_PASSWORD",
                    "REVOCATION_INGEST_TOKENS", "REVOCATION_CHECK_TOKENS", "REVOCATION_CAEP_HMAC_SECRET", "REVOCATION_CAEP_ISSUER",
                    "REVOCATION_CAEP_AUDIENCE", "REVOCATION_HOOK_TOKENS", "HTTP_PORT_REVOCATION_BUS"),
            "lag-monitor", Set.of("OLYMPUS_REGION", "OLYMPUS_PRIMARY_REGION", "NATS_URL", "NATS_USER", "NATS_PASSWORD",
                    "OLYMPUS_POSTGRES_ENDPOINTS", "PGDATABASE", "PG_MONITOR_USER", "PG_MONITOR_PASSWORD", "HTTP_PORT_LAG_MONITOR"),
            "session-router", Set.of("OLYMPUS_REGION", "OLYMPUS_REGIONS", "OLYMPUS_PRIMARY_REGION", "NATS_URL", "NATS_USER",
                    "NATS_PASSWORD", "REDIS_URI", "REDIS_USER", "REDIS_PASSWORD", "OLYMPUS_REDIS_ENDPOINTS", "OLYMPUS_POSTGRES_ENDPOINTS", "PGDATABASE", "PG_APP_USER",
                    "PG_APP_PASSWORD", "ROUTER_HOOK_TOKENS", "ROUTER_API_TOKENS", "HTTP_PORT_SESSION_ROUTER"),
            "failover-coordinator", Set.of("OLYMPUS_REGION", "OLYMPUS_REGIONS", "NATS_URL", "NATS_USER", "NATS_PASSWORD",
                    "FAILOVER_API_TOKENS", "PGBOUNCER_PORT", "PG_SSLMODE", "PGDATABASE", "PG_APP_USER", "PG_APP_PASSWORD",
                    "HTTP_PORT_FAILOVER_COORDINATOR"),
            "node-agent", Set.of("OLYMPUS_REGION", "OLYMPUS_REGIONS", "NATS_URL", "NATS_USER", "NATS_PASSWORD",
                    "OLYMPUS_POSTGRES_ENDPOINTS", "PGBOUNCER_PORT", "PGDATABASE", "PG_APP_USER", "PG_APP_PASSWORD", "PG_SUPERUSER",
                    "PG_SUPERUSER_PASSWORD", "PGBOUNCER_ADMIN_USER", "PGBOUNCER_ADMIN_PASSWORD", "PG_REPLICATOR_PASSWORD",
                    "OLYMPUS_PG_BIN", "OLYMPUS_PG_DATA", "OLYMPUS_PG_LOG", "OLYMPUS_PGBOUNCER_INI", "OLYMPUS_AGENT_STATE_DIR",
                    "HTTP_PORT_NODE_AGENT"));

    /** Only what {@code service} reads, in {@link #all}'s order. */
    public static Map<String, String> forService(Inputs in, String service, Secrets secrets) {
        Set<String> reads = READS.get(service);
        Map<String, String> e = new LinkedHashMap<>();
        all(in, role(service), secrets).forEach((k, v) -> {
            if (reads.contains(k) || TLS.contains(k)) {
                e.put(k, v);
            }
        });
        return e;
    }

    /** One {@code KEY=value} a line. */
    public static String format(Map<String, String> env) {
        StringBuilder sb = new StringBuilder();
        env.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        return sb.toString();
    }
}
