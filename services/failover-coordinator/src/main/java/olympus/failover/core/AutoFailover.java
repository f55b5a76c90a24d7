package olympus.failover.core;

/**
 * Whether the leader fails over by itself. Off by default: an SRE decides. When on, it needs
 * everything an unforced failover needs (a quorum of regions seeing the primary gone for longer
 * than the fence grace, a candidate within the lag limit: the {@link Verdict}), the primary gone
 * for at least {@code afterMs}, and no earlier automatic failover still unacknowledged: after one,
 * a second waits for a human (damping, so a flapping network cannot bounce the primary around).
 */
public final class AutoFailover {
    private AutoFailover() {}

    /** The last automatic failover, stored under key "autofailover"; acknowledged by olympusctl ack. */
    public record State(String commandId, String at, boolean acknowledged, String acknowledgedBy) {}

    public record Decision(boolean go, String reason) {}

    public static Decision decide(boolean enabled, State last, Verdict verdict, long downForMs, long afterMs) {
        if (!enabled) {
            return new Decision(false, "automatic failover is off");
        }
        if (last != null && !last.acknowledged()) {
            return new Decision(false, "automatic failover " + last.commandId() + " at " + last.at()
                    + " awaits an SRE's ack (olympusctl ack): no second automatic failover until then");
        }
        if (!verdict.ok()) {
            return new Decision(false, verdict.reason());
        }
        if (downForMs < afterMs) {
            return new Decision(false, "primary unreachable for " + downForMs + " ms, automatic failover after " + afterMs + " ms");
        }
        return new Decision(true, "primary unreachable for " + downForMs + " ms per a quorum; " + verdict.reason());
    }
}
