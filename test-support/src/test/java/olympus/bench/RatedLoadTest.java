package olympus.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The benchmarks' C tools against each other: ratedload sends what it was asked to, at the rate
 * asked, and counts every answer; consthttp answers each request once, pipelined or not. No
 * timing is asserted (this machine is noisy); counts are.
 */
class RatedLoadTest {
    @Test
    void sendsAtTheRateAndCountsEveryAnswer() throws Exception {
        try (RatedLoad.ConstServer server = RatedLoad.startConstServer()) {
            RatedLoad.Result r = RatedLoad.run(server.port(), 2000, 4, 0, 2, "/x?n=%d", 10, "Authorization: Bearer t");
            assertEquals(4000, r.recorded(), r.toString());
            assertEquals(0, r.non2xx(), r.toString());
            assertEquals(0, r.errors(), r.toString());
            assertTrue(r.p50Ms() <= r.p99Ms() && r.p99Ms() <= r.maxMs(), r.toString());
        }
    }
}
