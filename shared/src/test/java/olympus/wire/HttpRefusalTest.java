package olympus.wire;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One row per kind of Micronaut refusal the services rewrite. */
class HttpRefusalTest {
    @ParameterizedTest
    @CsvSource(nullValues = "null", value = {
            // status, Micronaut's message, its path, expected field, expected rejection, expected text
            "400, Malformed URI,           null,  uri,   INVALID_FIELD,   percent-encoding",
            "413, The content length exceeds the maximum allowed, null, body, TOO_LARGE, 1 MiB",
            "404, Page Not Found,          null,  null,  INVALID_REQUEST, Page Not Found",
            "415, Unsupported Media Type,  body,  body,  INVALID_REQUEST, Unsupported Media Type",
            "400, null,                    null,  null,  INVALID_REQUEST, Bad Request",
            "503, null,                    null,  null,  null,            Service Unavailable",
    })
    void rewritesMicronautsRefusal(int status, String message, String path, String field, String rejection, String text) {
        String reason = switch (status) {
            case 400 -> "Bad Request";
            case 503 -> "Service Unavailable";
            default -> "?";
        };
        HttpRefusal r = HttpRefusal.of(status, reason, message, path, "bodies up to 1 MiB");
        assertEquals(field, r.field());
        assertEquals(rejection, r.rejection());
        assertTrue(r.message().contains(text), r.message());
    }
}
