package olympus.revocation.core;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LingerTest {
    static final long MS = 1_000_000L;

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            // case,                                              now, oldestQueued, lastSent, linger, queued, max, expected wait (ms), mean gap (ms)
            "no linger configured: send now,                      100,  100,  99,  0,  1, 1000,  0,  1",
            "quiet bus (last message 60 ms ago): send now,        100,  100,  40,  5,  1, 1000,  0,  1",
            "busy bus; event just arrived: wait the whole linger, 100,  100,  97,  5,  1, 1000,  5,  1",
            "busy bus; oldest waited 3 ms: wait the rest,         103,  100,  97,  5,  4, 1000,  2,  1",
            "busy bus; oldest waited the linger: send now,        105,  100,  97,  5,  9, 1000,  0,  1",
            "busy bus; message full: send now,                    100,  100,  97,  5, 1000, 1000, 0,  1",
            "edge of busy (exactly 10 lingers ago): send now,     100,  100,  50,  5,  1, 1000,  0,  1",
            "just inside busy (49 ms ago): wait,                  100,  100,  51,  5,  1, 1000,  5,  1",
            "busy bus; events 30 ms apart; 20 ms linger: send now, 100,  100,  90, 20,  1, 1000,  0, 30",
            "busy bus; mean gap equal to the linger: send now,    100,  100,  97,  5,  1, 1000,  0,  5",
            "busy bus; mean gap just under the linger: wait,      100,  100,  97,  5,  1, 1000,  5,  4",
    })
    void decidesTheWait(String name, long now, long oldestQueued, long lastSent, long linger, int queued, int max, long expectedMs,
                        long meanGap) {
        long w = Linger.wait(now * MS, oldestQueued * MS, lastSent * MS, linger * MS, queued, max, meanGap * MS);
        assertEquals(expectedMs, Math.max(0, w) / MS, name);
    }
}
