package olympus.auth;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Counts events (refused requests) and says when one may be logged: at most once per interval,
 * with how many there were since the last line. A caller without its token would otherwise write
 * a log line per request; the count still shows how many, and a metric counts each.
 */
public final class Throttle {
    private final long everyNanos;
    private final LongSupplier nanoTime;
    private final AtomicLong nextAt;
    private final AtomicLong since = new AtomicLong();

    public Throttle(long everyNanos, LongSupplier nanoTime) {
        this.everyNanos = everyNanos;
        this.nanoTime = nanoTime;
        this.nextAt = new AtomicLong(nanoTime.getAsLong());
    }

    /** Counts one event; returns how many were counted since the last line if a line is due now, else 0. */
    public long count() {
        long n = since.incrementAndGet();
        long now = nanoTime.getAsLong();
        long at = nextAt.get();
        if (now - at >= 0 && nextAt.compareAndSet(at, now + everyNanos)) {
            since.addAndGet(-n);
            return n;
        }
        return 0;
    }
}
