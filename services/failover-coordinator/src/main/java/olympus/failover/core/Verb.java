package olympus.failover.core;

import java.util.Locale;

/** Commands the coordinator takes; {@link #mutating} ones run only on the leader, one at a time. */
public enum Verb {
    STATUS(false), HISTORY(false), SWITCHOVER(true), FAILOVER(true), PAUSE(true), RESUME(true), MIGRATE(true),
    /** Acknowledge an automatic failover, re-arming automatic failover after its damping. */
    ACK(true),
    /** Turn a fenced former primary into a replica of the current primary (pg_rewind). */
    REJOIN(true);

    private final boolean mutating;

    Verb(boolean mutating) {
        this.mutating = mutating;
    }

    public boolean mutating() {
        return mutating;
    }

    public String token() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Verb parse(String s) {
        if (s != null) {
            for (Verb v : values()) {
                if (v.token().equals(s)) {
                    return v;
                }
            }
        }
        throw new CommandRefusedException("verb", "unknown command '" + s + "': use one of status, history, switchover, "
                + "failover, pause, resume, migrate, rejoin, ack");
    }
}
