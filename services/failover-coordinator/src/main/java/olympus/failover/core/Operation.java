package olympus.failover.core;

/**
 * The command in flight, stored under key "operation" in the control bucket while it runs. It is
 * created with a create-if-absent, so two coordinators (or two commands) can never both start one;
 * a new leader that finds it left behind knows a predecessor died mid-way and recovers
 * ({@link Recovery}). {@code stage} is the last step begun.
 */
public record Operation(String id, String verb, String from, String to, String stage, String leader,
                        long term, long epochAtStart, String startedAt, String principal) {
    public Operation at(String newStage) {
        return new Operation(id, verb, from, to, newStage, leader, term, epochAtStart, startedAt, principal);
    }
}
