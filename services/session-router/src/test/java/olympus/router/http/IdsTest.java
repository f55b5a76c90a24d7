package olympus.router.http;

import org.junit.jupiter.api.Test;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One row per rule of {@link Ids#check}; RouterIT sends the same over HTTP. */
class IdsTest {
    /** {@code problem} null: accepted as given (or as no id when {@code absent}). */
    record Row(String name, String id, boolean absent, String problem) {}

    /** What the server's query decoder makes of these (it replaces bad UTF-8 with U+FFFD, as this does). */
    static String decoded(String percentEncoded) {
        return URLDecoder.decode(percentEncoded, StandardCharsets.UTF_8);
    }

    static final List<Row> ROWS = List.of(
            new Row("a plain id", "user-1", false, null),
            new Row("a UUID", "3fa85f64-5717-4562-b3fc-2c963f66afa6", false, null),
            new Row("non-ASCII UTF-8 (é, 日本, an emoji's surrogate pair)", "é日本\uD83D\uDE00", false, null),
            new Row("empty is no id", "", true, null),
            new Row("absent is no id", null, true, null),
            new Row("256 characters", "x".repeat(256), false, null),
            new Row("257 characters", "x".repeat(257), false, "longer than 256"),
            new Row("a control character", "a\u0001b", false, "control character"),
            new Row("a C1 control character", "a\u0085b", false, "control character"),
            new Row("%FF: not a UTF-8 byte", decoded("a%FF"), false, "not valid UTF-8"),
            new Row("%E2%82: a truncated sequence", decoded("a%E2%82"), false, "not valid UTF-8"),
            new Row("%ED%A0%80: an encoded surrogate", decoded("a%ED%A0%80"), false, "not valid UTF-8"),
            new Row("a lone high surrogate (a JSON \\ud800 escape)", "a\uD800", false, "lone surrogate"),
            new Row("a lone low surrogate", "\uDC00a", false, "lone surrogate"),
            new Row("surrogates in the wrong order", "\uDE00\uD83D", false, "lone surrogate"));

    @Test
    void table() {
        assertAll(ROWS.stream().map(r -> () -> {
            if (r.problem() == null) {
                String v = Ids.check("user", r.id());
                if (r.absent()) {
                    assertNull(v, r.name());
                } else {
                    assertEquals(r.id(), v, r.name());
                }
            } else {
                BadRequestException e = assertThrows(BadRequestException.class, () -> Ids.check("user", r.id()), r.name());
                assertEquals("user", e.field(), r.name());
                assertTrue(e.getMessage().contains(r.problem()), r.name() + ": " + e.getMessage());
            }
        }));
    }

    @Test
    void the_three_bad_ids_of_issue_17_no_longer_share_one_key_they_are_refused() {
        for (String q : List.of("%E2%82", "%ED%A0%80", "%FF")) {
            assertEquals("\uFFFD", decoded(q).substring(0, 1), q + " decodes to U+FFFD");
            assertThrows(BadRequestException.class, () -> Ids.check("user", decoded(q)), q);
        }
    }
}
