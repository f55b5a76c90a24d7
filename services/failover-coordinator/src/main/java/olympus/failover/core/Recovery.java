package olympus.failover.core;

/**
 * What a new leader does about an operation its predecessor left unfinished. Decided on what the
 * databases say now, not on the recorded stage alone (the predecessor may have died between
 * doing a step and recording it): if the candidate already takes writes, the only safe direction
 * is forward (the old primary is fenced and must stay so); if not, roll back to the old primary,
 * which never lost anything because writes were paused before it was fenced.
 */
public final class Recovery {
    private Recovery() {}

    public enum Action { NONE, FINISH, ROLL_BACK, RESUME_WRITES }

    public record Decision(Action action, String reason) {}

    public static Decision decide(Operation op, NodeStatus from, NodeStatus to) {
        if (op == null) {
            return new Decision(Action.NONE, "no unfinished operation");
        }
        boolean primaryChange = op.verb().equals("switchover") || op.verb().equals("failover");
        if (!primaryChange) {
            return new Decision(Action.RESUME_WRITES, op.verb() + " " + op.id() + " was interrupted at " + op.stage()
                    + ": reopening writes (a migration's SQL either committed or did not; check history)");
        }
        if (to != null && to.reachable() && !to.inRecovery()) {
            return new Decision(Action.FINISH, op.verb() + " " + op.id() + " interrupted at " + op.stage() + ": " + op.to()
                    + " is already promoted, finishing forward");
        }
        if (op.verb().equals("failover")) {
            return new Decision(Action.ROLL_BACK, "failover " + op.id() + " interrupted at " + op.stage() + " before "
                    + op.to() + " was promoted: abandoning it (writes resume only if the old primary is alive; re-issue failover)");
        }
        return new Decision(Action.ROLL_BACK, "switchover " + op.id() + " interrupted at " + op.stage() + " before "
                + op.to() + " was promoted: rolling back to " + op.from());
    }
}
