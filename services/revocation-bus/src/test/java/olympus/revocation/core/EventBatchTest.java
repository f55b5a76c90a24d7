package olympus.revocation.core;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class EventBatchTest {
    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aSingleEventIsItsOwnPayload() {
        byte[] e = b("{\"a\":1}");
        assertArrayEquals(e, EventBatch.join(List.of(e)));
        List<byte[]> split = EventBatch.split(e);
        assertEquals(1, split.size());
        assertArrayEquals(e, split.get(0));
    }

    @Test
    void joinAndSplitRoundTrip() {
        List<byte[]> events = List.of(b("{\"a\":1}"), b("{\"b\":\"x\\ny\"}"), b("{}"));
        List<byte[]> back = EventBatch.split(EventBatch.join(events));
        assertEquals(3, back.size());
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(events.get(i), back.get(i));
        }
    }

    @Test
    void emptyPayloadsAndEmptyLinesAreEventsTooSoTheyAreRefusedNotDropped() {
        assertEquals(1, EventBatch.split(new byte[0]).size());
        assertEquals(1, EventBatch.split(null).size());
        List<byte[]> s = EventBatch.split(b("{}\n\n{}"));
        assertEquals(3, s.size());
        assertEquals(0, s.get(1).length);
    }
}
