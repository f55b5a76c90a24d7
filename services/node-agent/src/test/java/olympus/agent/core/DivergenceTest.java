package olympus.agent.core;

import olympus.wire.Lsn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One row per reason; the new primary eu-west is on timeline 12, which forked from 11 at 0/A0305E8. */
class DivergenceTest {
    static final String HISTORY = """
            1\t0/3000000\tno recovery target specified

            # a comment
            11\t0/A0305E8\tno recovery target specified
            """;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # case                                          | timeline | position  | rewind | reason contains
            already on the primary's timeline               | 12       | 0/A100000 | false  | the timeline eu-west writes on
            on a newer timeline than the primary            | 13       | 0/A000000 | true   | newer than eu-west's timeline 12
            behind the fork point                           | 11       | 0/A000000 | false  | at or before 0/A0305E8
            exactly at the fork point                       | 11       | 0/A0305E8 | false  | at or before 0/A0305E8
            past the fork point (CI 2026-12-07)             | 11       | 0/A030698 | true   | 176 B that eu-west never had
            an ancestor timeline before its switch          | 1        | 0/2000000 | false  | leaves timeline 1
            a timeline the primary's history does not have  | 7        | 0/2000000 | true   | not in eu-west's history
            """)
    void decides(String name, int timeline, String position, boolean rewind, String reason) {
        Divergence d = Divergence.decide("ap-south", timeline, Lsn.parse(position), "eu-west", 12, Divergence.parseHistory(HISTORY));
        assertEquals(rewind, d.rewind(), d.reason());
        assertTrue(d.reason().contains(reason), d.reason());
    }

    @Test
    void parsesHistoryAndRefusesAGarbledLine() {
        assertEquals(List.of(new Divergence.Switch(1, Lsn.parse("0/3000000")), new Divergence.Switch(11, Lsn.parse("0/A0305E8"))),
                Divergence.parseHistory(HISTORY));
        assertEquals(List.of(), Divergence.parseHistory(""));
        assertThrows(IllegalArgumentException.class, () -> Divergence.parseHistory("11"));
    }
}
