package olympus.router.http;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.http.HttpRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The API token check (router.api-tokens, router.api-open), one row per case; the HTTP side is in RouterIT. */
class ApiAuthTest {
    static final AtomicLong NOW = new AtomicLong();

    static ApiAuth auth(List<String> tokens, boolean open, SimpleMeterRegistry meters) {
        return new ApiAuth(tokens, open, meters, NOW::get);
    }

    static HttpRequest<?> get(String authorization) {
        var r = HttpRequest.GET("/v1/route");
        return authorization == null ? r : r.header("Authorization", authorization);
    }

    static Stream<Arguments> configurations() {
        return Stream.of(
                // tokens, api-open, starts
                Arguments.of(List.of(), false, false),
                Arguments.of(List.of("", "  "), false, false),
                Arguments.of(List.of(), true, true),
                Arguments.of(List.of("t1"), false, true),
                Arguments.of(List.of("t1"), true, true));
    }

    @ParameterizedTest(name = "tokens {0}, api-open {1}: starts {2}")
    @MethodSource("configurations")
    void startsOnlyWithATokenOrTheOptOut(List<String> tokens, boolean open, boolean starts) {
        String problem = ApiAuth.startProblem(ApiAuth.tokens(tokens), open);
        if (starts) {
            assertNull(problem);
            assertEquals(open && ApiAuth.tokens(tokens).isEmpty(), auth(tokens, open, new SimpleMeterRegistry()).open());
        } else {
            // The message tells the operator what to set, both ways.
            assertTrue(problem.contains("ROUTER_API_TOKENS") && problem.contains("ROUTER_API_OPEN=true"), problem);
            ConfigurationException e = assertThrows(ConfigurationException.class, () -> auth(tokens, open, new SimpleMeterRegistry()));
            assertEquals(problem, e.getMessage());
        }
    }

    static Stream<Arguments> headers() {
        return Stream.of(
                // tokens, api-open, Authorization header, answer: null = allowed, else the refusal
                Arguments.of(List.of("t1", " t2 "), false, "Bearer t1", null),
                Arguments.of(List.of("t1", " t2 "), false, "Bearer t2", null),
                Arguments.of(List.of("t1", " t2 "), false, "bearer t1", null),
                Arguments.of(List.of("t1", " t2 "), false, "Bearer  t1 ", null),
                Arguments.of(List.of("t1", " t2 "), false, null, ApiAuth.MISSING),
                Arguments.of(List.of("t1", " t2 "), false, "", ApiAuth.WRONG),
                Arguments.of(List.of("t1", " t2 "), false, "Bearer ", ApiAuth.WRONG),
                Arguments.of(List.of("t1", " t2 "), false, "Bearer t3", ApiAuth.WRONG),
                Arguments.of(List.of("t1", " t2 "), false, "Bearer t1t2", ApiAuth.WRONG),
                Arguments.of(List.of("t1", " t2 "), false, "t1", ApiAuth.WRONG),
                Arguments.of(List.of("t1", " t2 "), false, "Basic dDE6dDE=", ApiAuth.WRONG),
                // configured tokens are required even when api-open is also set
                Arguments.of(List.of("t1"), true, null, ApiAuth.MISSING),
                Arguments.of(List.of("t1"), true, "Bearer t1", null),
                // opted out: anything goes
                Arguments.of(List.of(), true, null, null),
                Arguments.of(List.of(), true, "Bearer whatever", null));
    }

    @ParameterizedTest(name = "tokens {0}, api-open {1}, Authorization {2}")
    @MethodSource("headers")
    void checksTheBearerToken(List<String> tokens, boolean open, String header, ApiAuth.Refused expected) {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        ApiAuth.Guard g = auth(tokens, open, meters).guard("/v1/writes");
        if (expected == null) {
            g.check(get(header));
        } else {
            assertSame(expected, assertThrows(ApiAuth.Refused.class, () -> g.check(get(header))));
        }
        assertEquals(expected == null ? 0 : 1,
                meters.get("olympus.router.auth.refused").tag("endpoint", "/v1/writes").counter().count());
    }

    @Test
    void refusalsAreCountedPerEndpointAndWarnedAtMostOncePerInterval() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        NOW.set(1_000);
        ApiAuth a = auth(List.of("t1"), false, meters);
        ApiAuth.Guard route = a.guard("/v1/route");
        ApiAuth.Guard writes = a.guard("/v1/writes");
        long second = 1_000_000_000L;
        for (long at : new long[] {0, 1, 5, 9}) {
            NOW.set(1_000 + at * second);
            assertThrows(ApiAuth.Refused.class, () -> route.check(get(null)));
        }
        assertEquals(1, a.warnings(), "the first refusal warns, the next ones within 10 s only count");
        NOW.set(1_000 + 10 * second);
        assertThrows(ApiAuth.Refused.class, () -> writes.check(get("Bearer nope")));
        assertEquals(2, a.warnings());
        NOW.set(1_000 + 11 * second);
        assertThrows(ApiAuth.Refused.class, () -> writes.check(get("Bearer nope")));
        assertEquals(2, a.warnings());
        assertEquals(4, meters.get("olympus.router.auth.refused").tag("endpoint", "/v1/route").counter().count());
        assertEquals(2, meters.get("olympus.router.auth.refused").tag("endpoint", "/v1/writes").counter().count());
    }

    @Test
    void theSharedRefusalsCarryNoStackTrace() {
        for (ApiAuth.Refused r : List.of(ApiAuth.MISSING, ApiAuth.WRONG)) {
            assertEquals(0, r.getStackTrace().length);
            assertFalse(Arrays.toString(r.getSuppressed()).contains("Exception"));
        }
    }
}
