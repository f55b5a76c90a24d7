package olympus.router.support;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import olympus.topology.LocalTopology;
import olympus.render.NatsRole;
import olympus.render.Secrets;
import olympus.topology.PgRoles;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;

/** A session-router for one region of a topology, in-process, on a random port, with the settings a deployment gives it. */
public final class EmbeddedRouter implements AutoCloseable {
    private final EmbeddedServer server;
    private final String region;
    private final String apiToken;

    private EmbeddedRouter(EmbeddedServer server, String region, String apiToken) {
        this.server = server;
        this.region = region;
        this.apiToken = apiToken;
    }

    public static Map<String, Object> properties(LocalTopology t, String region) {
        Map<String, Object> p = new HashMap<>();
        p.put("micronaut.server.port", -1);
        p.putAll(t.tlsProperties(region));
        p.put("router.region", region);
        p.put("router.regions", String.join(",", t.regions()));
        p.put("router.primary-region", t.primaryRegion());
        p.put("router.nats.url", t.natsUrl(region));
        p.put("router.nats.user", NatsRole.SESSION_ROUTER.user(region));
        p.put("router.nats.password", t.credentials().natsPassword(NatsRole.SESSION_ROUTER, region));
        p.put("router.redis.uri", t.redisUri(region));
        p.put("router.redis.user", NatsRole.SESSION_ROUTER.user(region));
        p.put("router.redis.password", t.credentials().redisPassword(NatsRole.SESSION_ROUTER.user(region)));
        StringBuilder redis = new StringBuilder();
        for (String r : t.regions()) {
            redis.append(redis.isEmpty() ? "" : ",").append(r).append('=').append(t.redisUri(r));
        }
        p.put("router.redis.regions", redis.toString());
        p.put("router.postgres.endpoints", t.postgresEndpointsFrom(region));
        p.put("router.postgres.database", PgRoles.DATABASE);
        p.put("router.postgres.user", PgRoles.APP);
        p.put("router.postgres.password", t.credentials().pgPassword(PgRoles.APP));
        p.put("router.api-tokens", apiToken(t));
        return p;
    }

    /** The bearer token the topology gives the routers (ROUTER_API_TOKENS) and every caller. */
    public static String apiToken(LocalTopology t) {
        return t.credentials().token(Secrets.ROUTER_API);
    }

    public static EmbeddedRouter start(LocalTopology t, String region) {
        return start(t, region, Map.of());
    }

    public static EmbeddedRouter start(LocalTopology t, String region, Map<String, Object> overrides) {
        Map<String, Object> p = properties(t, region);
        p.putAll(overrides);
        Object token = p.get("router.api-tokens");
        return new EmbeddedRouter(ApplicationContext.run(EmbeddedServer.class, p), region,
                token == null || token.toString().isBlank() ? null : token.toString());
    }

    public URI uri() {
        return server.getURI();
    }

    /** The router's API token (null when started without one, with router.api-open). */
    public String apiToken() {
        return apiToken;
    }

    /** A client sending the router's API token. */
    public Http http() {
        return new Http(uri(), apiToken);
    }

    public String region() {
        return region;
    }

    public ApplicationContext context() {
        return server.getApplicationContext();
    }

    @Override
    public void close() {
        server.getApplicationContext().close();
    }
}
