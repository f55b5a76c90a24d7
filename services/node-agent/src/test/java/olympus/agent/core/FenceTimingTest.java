package olympus.agent.core;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FenceTimingTest {
    static Duration ms(long v) {
        return Duration.ofMillis(v);
    }

    @Test
    void theDefaultsHold() {
        // F 3 s + I 0.5 s + 2 x A 1 s + S 1 s = 6.5 s < G 8 s
        assertEquals(List.of(), FenceTiming.violations(ms(3000), ms(500), ms(1000), ms(1000), ms(1000), ms(8000)));
        assertEquals(ms(5500), FenceTiming.fencedWithin(ms(3000), ms(500), ms(1000)));
    }

    @Test
    void aFenceTimeThatReachesTheGraceIsRefusedWithWhatToChange() {
        List<String> bad = FenceTiming.violations(ms(6000), ms(500), ms(1000), ms(1000), ms(1000), ms(8000));
        assertEquals(1, bad.size(), bad.toString());
        assertTrue(bad.get(0).contains("9500 ms is not below the coordinators' fence-grace 8000 ms"), bad.get(0));
        assertTrue(bad.get(0).contains("raise fence-grace"), bad.get(0));
    }

    @Test
    void theEqualCaseIsRefused() {
        assertEquals(1, FenceTiming.violations(ms(4000), ms(1000), ms(1000), ms(1000), ms(1000), ms(8000)).size());
    }

    @Test
    void aHeartbeatThatCouldFenceAHealthyPrimaryIsRefused() {
        List<String> bad = FenceTiming.violations(ms(1500), ms(500), ms(1000), ms(500), ms(0), ms(8000));
        assertEquals(1, bad.size(), bad.toString());
        assertTrue(bad.get(0).contains("one slow heartbeat would fence a healthy primary"), bad.get(0));
    }

    @Test
    void zeroesAreRefused() {
        assertEquals(1, FenceTiming.violations(ms(0), ms(500), ms(1000), ms(500), ms(0), ms(8000)).size());
    }
}
