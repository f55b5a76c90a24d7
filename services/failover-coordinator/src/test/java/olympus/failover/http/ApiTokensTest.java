package olympus.failover.http;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which caller an Authorization header names, by the configured "token=principal:role" entries. */
class ApiTokensTest {
    static final ApiTokens TOKENS = new ApiTokens(List.of("sre-token=alice:sre", "viewer-token=bob:viewer", "malformed", "=x:sre"));

    @ParameterizedTest(name = "[{0}] -> {1}")
    @CsvSource({
            "'Bearer sre-token',      alice:sre",
            "'bearer sre-token',      alice:sre",      // the scheme is case-insensitive (RFC 6750)
            "'Bearer viewer-token',   bob:viewer",
            "'Bearer  sre-token ',    alice:sre",
            "'Bearer sre-toke',       ''",             // a prefix of a token is not the token
            "'Bearer sre-token2',     ''",
            "'Basic c3JlLXRva2Vu',    ''",
            "'',                      ''",
            "'Bearer malformed',      ''",             // an entry without principal:role configures nothing
            "'Bearer ',               ''",
    })
    void find(String header, String expected) {
        ApiTokens.Caller c = TOKENS.find(header.isEmpty() ? null : header);
        assertEquals(expected, c == null ? "" : c.principal() + ":" + c.role());
    }
}
