package olympus.revocation.core;

/**
 * When the next origin-stream message may leave (group commit with a linger). Pure, so the rule is
 * tested as a table.
 *
 * <p>A message's first event may wait up to {@code linger} for others to join it, but only while
 * the bus is busy: a message left within the last {@value #BUSY_LINGERS} lingers. On a quiet bus an
 * event leaves at once (no added latency); under load, each message carries more events, and
 * every message saved is about a dozen operations saved on the NATS servers (origin store,
 * sourcing into every region, the stores there, consumer deliveries and acks).
 *
 * <p>Nor does it wait when events arrive further apart, on average, than the linger: then the
 * wait gathers no other event and only delays the caller's reply. Without this rule, at 100
 * events/s over three regions (one every 30 ms in each), every message still left with one
 * event, after 22 ms in the queue (ingest reply p50 23 ms, 2026-12-07), because a message had
 * always left within the last ten lingers.
 */
public final class Linger {
    /** The bus counts as busy while a message left within this many lingers. */
    public static final int BUSY_LINGERS = 10;

    private Linger() {}

    /**
     * Nanoseconds to wait before sending; 0 or less means send now.
     *
     * @param now           the current time (nanoTime)
     * @param oldestQueued  when the oldest queued event arrived
     * @param lastSent      when the last message left
     * @param lingerNanos   the configured linger (0: none)
     * @param queued        events waiting
     * @param maxEvents     most events in one message (a full message never waits)
     * @param meanGapNanos  the recent mean time between arriving events
     */
    public static long wait(long now, long oldestQueued, long lastSent, long lingerNanos, int queued, int maxEvents,
                            long meanGapNanos) {
        if (lingerNanos <= 0 || queued >= maxEvents || now - lastSent >= BUSY_LINGERS * lingerNanos
                || meanGapNanos >= lingerNanos) {
            return 0;
        }
        return oldestQueued + lingerNanos - now;
    }
}
