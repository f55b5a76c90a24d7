package olympus.failover.core;

import java.util.List;

/**
 * The answer to a command: outcome, reason, timed steps, and the topology it left.
 * Outcomes: DONE, REFUSED (nothing changed), FAILED (stopped part-way; the reason says where),
 * ROLLED_BACK.
 */
public record CommandResult(String id, String verb, String outcome, String reason, String principal, String operator,
                            String parameters, List<Step> steps, long totalMillis, String leader, String primary, Long epoch,
                            String startedAt, Object data) {
    public static final String DONE = "DONE";
    public static final String REFUSED = "REFUSED";
    public static final String FAILED = "FAILED";
    public static final String ROLLED_BACK = "ROLLED_BACK";

    public boolean ok() {
        return DONE.equals(outcome);
    }
}
