package olympus.failover.app;

import olympus.failover.core.CommandResult;
import olympus.failover.core.Step;

/** Where steps (live) and results (the record) go: the AUDIT stream, then PostgreSQL from it. */
public interface AuditSink {
    void step(Step step);

    void result(CommandResult result);

    /** Recent results, newest first; throws when the record cannot be read right now. */
    java.util.List<CommandResult> history(int limit);
}
