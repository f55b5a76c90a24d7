package olympus.revocation.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The payload of one origin/view stream message: one or more encoded events, one per line.
 * The codec writes compact JSON, which never holds a raw newline (JSON escapes it inside
 * strings), so a newline can only separate events. A single event is a one-line batch: messages
 * written before batching existed read the same way.
 */
public final class EventBatch {
    private EventBatch() {}

    public static byte[] join(List<byte[]> events) {
        if (events.size() == 1) {
            return events.get(0);
        }
        int n = events.size() - 1;
        for (byte[] e : events) {
            n += e.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (int i = 0; i < events.size(); i++) {
            if (i > 0) {
                out[at++] = '\n';
            }
            byte[] e = events.get(i);
            System.arraycopy(e, 0, out, at, e.length);
            at += e.length;
        }
        return out;
    }

    /** The events of a payload, in order; an empty payload is one empty (malformed) event. */
    public static List<byte[]> split(byte[] payload) {
        byte[] p = payload == null ? new byte[0] : payload;
        int nl = indexOf(p, 0);
        if (nl < 0) {
            return List.of(p);
        }
        List<byte[]> out = new ArrayList<>();
        int from = 0;
        while (nl >= 0) {
            out.add(Arrays.copyOfRange(p, from, nl));
            from = nl + 1;
            nl = indexOf(p, from);
        }
        out.add(Arrays.copyOfRange(p, from, p.length));
        return out;
    }

    private static int indexOf(byte[] p, int from) {
        for (int i = from; i < p.length; i++) {
            if (p[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
