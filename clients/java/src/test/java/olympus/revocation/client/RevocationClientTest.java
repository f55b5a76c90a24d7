package olympus.revocation.client;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client against a stand-in check endpoint: only a 200 NOT_REVOKED reads as not revoked. */
class RevocationClientTest {
    private HttpServer server;
    private final AtomicReference<String> lastQuery = new AtomicReference<>();

    private URI serve(int status, String body, long delayMs) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/revocations/check", ex -> {
            lastQuery.set(ex.getRequestURI().getRawQuery() + " auth=" + ex.getRequestHeaders().getFirst("Authorization"));
            try {
                Thread.sleep(delayMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void notRevokedOnlyOnA200NotRevoked() throws IOException {
        URI u = serve(200, "{\"status\":\"NOT_REVOKED\",\"revoked\":false,\"reason\":\"no match\"}", 0);
        RevocationClient.Result r = new RevocationClient(u, "t0k", Duration.ofSeconds(2))
                .check(RevocationClient.Query.token("j 1").session("s").subject("u").client("c").issuedAt(Instant.ofEpochSecond(100)));
        assertFalse(r.revoked());
        assertEquals("NOT_REVOKED", r.status());
        assertEquals("jti=j+1&sessionId=s&subject=u&clientId=c&iat=100 auth=Bearer t0k", lastQuery.get());
    }

    @Test
    void revoked() throws IOException {
        URI u = serve(200, "{\"status\":\"REVOKED\",\"revoked\":true,\"reason\":\"session revoked\",\"matched\":\"session\"}", 0);
        RevocationClient.Result r = new RevocationClient(u, null, Duration.ofSeconds(2)).check(RevocationClient.Query.sessionOnly("s"));
        assertTrue(r.revoked());
        assertEquals("session revoked", r.reason());
    }

    @Test
    void unknownFailsClosed() throws IOException {
        URI u = serve(503, "{\"status\":\"UNKNOWN\",\"revoked\":true,\"reason\":\"redis unreachable: fail closed\"}", 0);
        RevocationClient.Result r = new RevocationClient(u, null, Duration.ofSeconds(2)).check(RevocationClient.Query.token("j"));
        assertTrue(r.revoked());
        assertEquals("UNKNOWN", r.status());
    }

    @Test
    void timeoutAndUnreachableFailClosed() throws IOException {
        URI slow = serve(200, "{\"status\":\"NOT_REVOKED\",\"revoked\":false}", 1500);
        RevocationClient.Result r = new RevocationClient(slow, null, Duration.ofMillis(200)).check(RevocationClient.Query.token("j"));
        assertTrue(r.revoked(), r.reason());
        assertEquals("UNKNOWN", r.status());
        RevocationClient.Result down = new RevocationClient(URI.create("http://127.0.0.1:1"), null, Duration.ofMillis(200))
                .check(RevocationClient.Query.token("j"));
        assertTrue(down.revoked(), down.reason());
    }

    @Test
    void aNotRevokedBodyWithAnErrorStatusIsStillRevoked() throws IOException {
        URI u = serve(500, "{\"status\":\"NOT_REVOKED\"}", 0);
        assertTrue(new RevocationClient(u, null, Duration.ofSeconds(2)).check(RevocationClient.Query.token("j")).revoked());
    }

    @Test
    void aRefusedQueryThrows() throws IOException {
        URI u = serve(400, "{\"error\":\"iat: required with subject\",\"field\":\"iat\"}", 0);
        assertThrows(IllegalArgumentException.class,
                () -> new RevocationClient(u, null, Duration.ofSeconds(2)).check(RevocationClient.Query.token("j").subject("u")));
    }
}
