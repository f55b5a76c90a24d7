package olympus.wire;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LsnTest {
    @ParameterizedTest
    @CsvSource({"0/0, 0", "0/3000060, 50331744", "1/0, 4294967296", "16/B374D848, 97500059720"})
    void roundTrips(String text, long value) {
        assertEquals(value, Lsn.parse(text));
        assertEquals(text, Lsn.format(value));
    }

    @ParameterizedTest
    @CsvSource({"3000060", "/1", "0/", "x/1"})
    void rejects(String text) {
        assertThrows(IllegalArgumentException.class, () -> Lsn.parse(text));
    }
}
