package olympus.router.http;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Kratos web_hook body (what the README's Jsonnet renders) and its token check, one row per case. */
public class KratosHookTest {
    /**
     * What the README's Jsonnet template renders for a settings flow (ctx.identity, ctx.session and
     * ctx.flow as Kratos binds them after a settings flow is persisted).
     */
    public static String settingsBody(String identityId, String sessionId, String flowId) {
        return "{\"identity_id\":\"" + identityId + "\",\"session_id\":\"" + sessionId + "\",\"flow_id\":\"" + flowId + "\"}";
    }

    static Stream<Arguments> parsed() {
        return Stream.of(
                // name, body, expected change
                Arguments.of("settings: identity, session, flow",
                        settingsBody("3a5293f1-f4d6-49f4-b34f-6da62c360604", "s-1", "cec1c06e-48eb-4f9d-abf1-2e287371f4eb"),
                        new KratosHook.Change("3a5293f1-f4d6-49f4-b34f-6da62c360604", "s-1", "cec1c06e-48eb-4f9d-abf1-2e287371f4eb", null)),
                Arguments.of("recovery: no session in ctx, so no session_id",
                        "{\"identity_id\":\"i-2\",\"flow_id\":\"f-2\"}", new KratosHook.Change("i-2", null, "f-2", null)),
                Arguments.of("null and empty are absent", "{\"identity_id\":\"i-3\",\"session_id\":null,\"flow_id\":\"\"}",
                        new KratosHook.Change("i-3", null, null, null)),
                Arguments.of("more regions to mark", "{\"identity_id\":\"i-4\",\"regions\":[\"ap-south\"]}",
                        new KratosHook.Change("i-4", null, null, List.of("ap-south"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("parsed")
    void readsTheRenderedBody(String name, String body, KratosHook.Change expected) {
        assertEquals(expected, KratosHook.parse(body.getBytes(StandardCharsets.UTF_8)));
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                // name, body, field named in the 400 (null: the body as a whole)
                Arguments.of("empty body", "", null),
                Arguments.of("not JSON", "{\"identity_id\":", null),
                Arguments.of("not an object", "[\"i\"]", null),
                Arguments.of("trailing bytes", "{\"identity_id\":\"i\"} x", null),
                Arguments.of("no identity_id", "{\"session_id\":\"s\"}", "identity_id"),
                Arguments.of("identity_id empty", "{\"identity_id\":\"\"}", "identity_id"),
                Arguments.of("identity_id not a string (the whole identity)", "{\"identity_id\":{\"id\":\"i\"}}", "identity_id"),
                Arguments.of("identity_id too long", "{\"identity_id\":\"" + "i".repeat(257) + "\"}", "identity_id"),
                Arguments.of("control character", "{\"identity_id\":\"i\\u0000\"}", "identity_id"),
                Arguments.of("misspelt field", "{\"identity_id\":\"i\",\"sesion_id\":\"s\"}", "sesion_id"),
                Arguments.of("session_id not a string", "{\"identity_id\":\"i\",\"session_id\":7}", "session_id"),
                Arguments.of("regions not an array", "{\"identity_id\":\"i\",\"regions\":\"eu-west\"}", "regions"),
                Arguments.of("duplicate key", "{\"identity_id\":\"a\",\"identity_id\":\"b\"}", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void refusesNamingTheField(String name, String body, String field) {
        BadRequestException e = assertThrows(BadRequestException.class, () -> KratosHook.parse(body.getBytes(StandardCharsets.UTF_8)));
        assertEquals(field, e.field(), e.getMessage());
    }

    static Stream<Arguments> auth() {
        return Stream.of(
                // configured tokens, Authorization header, allowed
                Arguments.of(List.of("k1", "k2"), "Bearer k2", true),
                Arguments.of(List.of("k1"), "bearer k1", true),
                Arguments.of(List.of("k1"), "Bearer  k1 ", true),
                Arguments.of(List.of("k1"), "Bearer k2", false),
                Arguments.of(List.of("k1"), "k1", false),
                Arguments.of(List.of("k1"), "Basic azE=", false),
                Arguments.of(List.of("k1"), null, false),
                // nothing configured: nobody (the hook can mark any identity)
                Arguments.of(List.of(), "Bearer ", false),
                Arguments.of(List.of(""), "Bearer ", false));
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @MethodSource("auth")
    void tokens(List<String> configured, String header, boolean allowed) {
        assertEquals(allowed, KratosHook.tokens(configured).allows(header));
    }

    @Test
    void emptyTokensAreNotConfigured() {
        assertFalse(KratosHook.tokens(List.of(" ")).configured());
        assertTrue(KratosHook.tokens(List.of("k")).configured());
    }
}
