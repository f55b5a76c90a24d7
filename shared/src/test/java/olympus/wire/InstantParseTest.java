package olympus.wire;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The fast instant parser agrees with {@link Instant#parse} on what it accepts and refuses. */
class InstantParseTest {
    @Test
    void agreesWithInstantParseOnWhatInstantToStringWrites() {
        Random r = new Random(42);
        for (int i = 0; i < 100_000; i++) {
            long sec = r.nextLong(-62_000_000_000L, 250_000_000_000L);
            int nano = switch (i % 4) {
                case 0 -> 0;
                case 1 -> r.nextInt(1000) * 1_000_000;
                case 2 -> r.nextInt(1_000_000) * 1000;
                default -> r.nextInt(1_000_000_000);
            };
            String s = Instant.ofEpochSecond(sec, nano).toString();
            assertEquals(Instant.parse(s), EventCodec.parseInstant(s), s);
        }
    }

    @Test
    void otherFormsAndInvalidInputAreDecidedByInstantParse() {
        for (String s : new String[] {"2026-11-28T07:19:19.5Z", "2026-02-28T23:59:59.123456789Z", "2024-02-29T00:00:00Z",
                "2026-11-28T07:19:19+01:00", "2026-11-28T07:19:19.1234Z", "2026-11-28T24:00:00Z", "2026-11-28T07:19:19.Z",
                "2026-02-30T00:00:00Z", "2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-28T25:00:00Z",
                "2026-11-28T07:60:00Z", "2026-11-28T07:19:19.1234567890Z", "2026-11-28 07:19:19Z", "2026-1x-28T07:19:19Z",
                "", "Z"}) {
            Object expected;
            try {
                expected = Instant.parse(s);
            } catch (DateTimeParseException e) {
                expected = DateTimeParseException.class;
            }
            Object actual;
            try {
                actual = EventCodec.parseInstant(s);
            } catch (DateTimeParseException e) {
                actual = DateTimeParseException.class;
            }
            assertEquals(expected, actual, s);
        }
    }
}
