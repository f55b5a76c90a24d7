package olympus.revocation.it;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import olympus.revocation.core.Keys;
import olympus.topology.LocalTopology;
import olympus.render.NatsRole;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One region's revocation-bus, run in-process against the test topology, plus a Redis handle for assertions. */
final class Region implements AutoCloseable {
    static final String TOKEN = "it-ingest-token";
    /** What Hydra's oauth2.token_hook presents (auth.config: in header, name Authorization, value "Bearer ..."). */
    static final String HOOK_TOKEN = "it-hydra-hook-token";
    /** A SET transmitter's token: good on the SET endpoint only. */
    static final String CAEP_TOKEN = "it-caep-transmitter-token";
    /** HS256 keys must have at least 32 bytes. */
    static final String CAEP_SECRET = "it-caep-secret-0123456789-0123456789";
    static final String CAEP_ISSUER = "https://idp.example";
    static final String CAEP_AUDIENCE = "olympus";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    final String name;
    final LocalTopology topology;
    final int port;
    private EmbeddedServer server;
    private final RedisClient redisClient;
    private final StatefulRedisConnection<String, String> redisConn;
    final RedisCommands<String, String> redis;

    Region(LocalTopology t, String name, int port) {
        this.topology = t;
        this.name = name;
        this.port = port;
        this.redisClient = t.redisClient(name);
        this.redisConn = redisClient.connect();
        this.redis = redisConn.sync();
    }

    static Map<String, Object> props(LocalTopology t, String region, int port) {
        Map<String, Object> p = new HashMap<>();
        p.put("micronaut.server.port", port);
        p.putAll(t.tlsProperties(region));
        p.put("revocation.region", region);
        p.put("revocation.regions", t.regions());
        p.put("revocation.nats-url", t.natsUrl(region));
        p.put("revocation.nats-user", NatsRole.REVOCATION_BUS.user(region));
        p.put("revocation.nats-password", t.credentials().natsPassword(NatsRole.REVOCATION_BUS, region));
        p.put("revocation.redis-uri", t.redisUri(region));
        p.put("revocation.redis-user", NatsRole.REVOCATION_BUS.user(region));
        p.put("revocation.redis-password", t.credentials().redisPassword(NatsRole.REVOCATION_BUS.user(region)));
        p.put("revocation.ingest-tokens", List.of(TOKEN));
        p.put("revocation.hook-tokens", List.of(HOOK_TOKEN));
        p.put("revocation.caep-tokens", List.of(CAEP_TOKEN));
        p.put("revocation.caep-hmac-secret", CAEP_SECRET);
        p.put("revocation.caep-issuer", CAEP_ISSUER);
        p.put("revocation.caep-audience", CAEP_AUDIENCE);
        // Short redelivery so the crash test does not wait half a minute for unacked messages.
        p.put("revocation.ack-wait", "5s");
        return p;
    }

    /** Environment for running the service as a separate process (the kill -9 test). */
    static Map<String, String> env(LocalTopology t, String region, int port) {
        Map<String, String> e = new HashMap<>();
        for (String line : t.env(region, NatsRole.REVOCATION_BUS).split("\n")) {
            int i = line.indexOf('=');
            if (i > 0) {
                e.put(line.substring(0, i), line.substring(i + 1));
            }
        }
        e.put("HTTP_PORT_REVOCATION_BUS", Integer.toString(port));
        e.put("REVOCATION_INGEST_TOKENS", TOKEN);
        e.put("REVOCATION_ACK_WAIT", "5s");
        return e;
    }

    Region start() {
        server = ApplicationContext.run(EmbeddedServer.class, props(topology, name, port));
        return this;
    }

    void stop() {
        if (server != null) {
            server.getApplicationContext().close();
            server = null;
        }
    }

    ApplicationContext context() {
        return server.getApplicationContext();
    }

    HttpResponse<String> post(String path, String contentType, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20))
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> revoke(String json) throws Exception {
        return post("/v1/revocations", "application/json", json, TOKEN);
    }

    HttpResponse<String> get(String pathAndQuery) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A GET sent as raw bytes, for a request line java.net.URI refuses to build (a bad percent-escape); the whole answer. */
    String rawGet(String pathAndQuery) throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET " + pathAndQuery + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    HttpResponse<String> check(String query) throws Exception {
        return get("/v1/revocations/check?" + query);
    }

    long appliedCount() {
        String v = redis.get(Keys.APPLIED_COUNT);
        return v == null ? 0 : Long.parseLong(v);
    }

    /** How many of these jtis have a denylist entry in this region's Redis. */
    int enforcedJtis(List<String> jtis) {
        int n = 0;
        for (int i = 0; i < jtis.size(); i += 1000) {
            List<String> keys = new ArrayList<>();
            for (String j : jtis.subList(i, Math.min(jtis.size(), i + 1000))) {
                keys.add(Keys.jti(j));
            }
            n += (int) redis.mget(keys.toArray(String[]::new)).stream().filter(kv -> kv.hasValue()).count();
        }
        return n;
    }

    /** Which of these event ids have an applied marker (applied once, by either copy) in this region's Redis. */
    java.util.Set<String> appliedMarkers(List<String> eventIds) {
        java.util.Set<String> out = new java.util.HashSet<>();
        for (int i = 0; i < eventIds.size(); i += 1000) {
            List<String> ids = eventIds.subList(i, Math.min(eventIds.size(), i + 1000));
            List<io.lettuce.core.KeyValue<String, String>> kv = redis.mget(ids.stream().map(Keys::applied).toArray(String[]::new));
            for (int k = 0; k < ids.size(); k++) {
                if (kv.get(k).hasValue()) {
                    out.add(ids.get(k));
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        stop();
        redisConn.close();
        redisClient.shutdown();
    }
}
