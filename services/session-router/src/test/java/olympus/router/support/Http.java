package olympus.router.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A small JSON-over-HTTP client for tests (keep-alive, HTTP/1.1), sending
 * {@code Authorization: Bearer <token>} on every request when it has a token (the router's
 * router.api-tokens: {@link EmbeddedRouter#http()}).
 */
public final class Http {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final URI base;
    private final String authorization;

    public record Response(int status, JsonNode body) {}

    /** Without a token (health, metrics, or to be refused). */
    public Http(URI base) {
        this(base, null);
    }

    /** @param token sent as a bearer token on every request; null for none */
    public Http(URI base, String token) {
        this.base = base;
        this.authorization = token == null ? null : "Bearer " + token;
    }

    private HttpRequest.Builder request(String pathAndQuery) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(pathAndQuery)).timeout(Duration.ofSeconds(5));
        return authorization == null ? b : b.header("Authorization", authorization);
    }

    public Response get(String pathAndQuery) {
        return send(request(pathAndQuery).GET().build());
    }

    public Response post(String path, Object body) {
        try {
            return postRaw(path, JSON.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** POST of these bytes as application/json, as they are (malformed bodies). */
    public Response postRaw(String path, byte[] body) {
        return send(request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    /** A request with any method, to see how the router answers it (its WWW-Authenticate header included). */
    public HttpResponse<String> exchange(String method, String path) {
        try {
            return client.send(request(path).header("Content-Type", "application/json")
                    .method(method, method.equals("GET") || method.equals("HEAD") ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString("{}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public String getText(String path) {
        try {
            return client.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private Response send(HttpRequest req) {
        try {
            HttpResponse<byte[]> r = client.send(req, HttpResponse.BodyHandlers.ofByteArray());
            JsonNode n = r.body().length == 0 ? null : JSON.readTree(r.body());
            return new Response(r.statusCode(), n);
        } catch (IOException e) {
            throw new IllegalStateException(req.uri() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** GET /v1/route for a user. */
    public Response route(String user) {
        return get("/v1/route?user=" + q(user));
    }
}
