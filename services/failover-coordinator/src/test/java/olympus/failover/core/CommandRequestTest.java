package olympus.failover.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input gets the field at fault and a message an operator can act on. */
class CommandRequestTest {
    static final List<String> REGIONS = List.of("us-east", "eu-west", "ap-south");
    static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    static Map<String, Object> body(String kv) {
        Map<String, Object> m = new HashMap<>();
        if (kv != null && !kv.isBlank()) {
            for (String p : kv.split(";")) {
                String[] a = p.split("=", 2);
                m.put(a[0], a[1].equals("true") ? Boolean.TRUE : a[1].matches("\\d+") && a[0].equals("limit") ? Integer.valueOf(a[1]) : a[1]);
            }
        }
        return m;
    }

    @ParameterizedTest(name = "{0} {1} -> field {2}")
    @CsvSource(delimiter = '|', value = {
            "switchover |                          | to       | needs the region",
            "switchover | to=mars                  | to       | unknown region 'mars'",
            "switchover | to=eu-west;colour=blue   | colour   | unknown field 'colour'",
            "pause      | deadline=10m             | reason   | needs a reason",
            "pause      | reason=x                 | deadline | needs a deadline",
            "pause      | reason=x;deadline=soon   | deadline | neither a duration",
            "pause      | reason=x;deadline=2h-ago | deadline | neither a duration",
            "pause      | reason=x;deadline=2025-01-01T00:00:00Z | deadline | not in the future",
            "pause      | reason=x;deadline=48h    | deadline | more than a day",
            "migrate    |                          | sql      | needs the SQL",
            "history    | limit=0                  | limit    | from 1 to 1000",
    })
    void refuses(String verb, String kv, String field, String message) {
        CommandRefusedException e = assertThrows(CommandRefusedException.class,
                () -> CommandRequest.from("id", Verb.parse(verb.strip()), body(kv), REGIONS, "nats:sre", NOW));
        assertEquals(field.strip(), e.field());
        assertTrue(e.getMessage().contains(message.strip()), e.getMessage());
    }

    @Test
    void unknownVerb() {
        CommandRefusedException e = assertThrows(CommandRefusedException.class, () -> Verb.parse("explode"));
        assertTrue(e.getMessage().contains("unknown command 'explode'"));
    }

    @Test
    void acceptsAPauseWithADuration() {
        CommandRequest r = CommandRequest.from("id", Verb.PAUSE, body("reason=schema;deadline=90s"), REGIONS, "nats:sre", NOW);
        assertEquals(NOW.plusSeconds(90), r.deadline());
        assertEquals("nats:sre", r.principal());
    }

    @Test
    void principalNeverComesFromTheBody() {
        CommandRefusedException e = assertThrows(CommandRefusedException.class,
                () -> CommandRequest.from("id", Verb.STATUS, body("principal=root"), REGIONS, "nats:sre", NOW));
        assertEquals("principal", e.field());
    }
}
