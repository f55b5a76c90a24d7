package olympus.failover.app;

import olympus.failover.core.CommandRequest;
import olympus.failover.core.CommandResult;
import olympus.failover.core.Step;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** One command's execution: timed steps, each published as it completes. */
final class Run {
    private static final Logger LOG = LoggerFactory.getLogger(Run.class);

    final CommandRequest req;
    final long startNanos = System.nanoTime();
    final String startedAt;
    private final AuditSink audit;
    final List<Step> steps = new ArrayList<>();
    /** Set by the coordinator's finish; published only after the command released the leader. */
    CommandResult finished;

    Run(CommandRequest req, AuditSink audit, String startedAt) {
        this.req = req;
        this.audit = audit;
        this.startedAt = startedAt;
    }

    interface Body<T> {
        T call() throws Exception;
    }

    <T> T step(String name, Body<T> body) throws Exception {
        long t0 = System.nanoTime();
        try {
            T r = body.call();
            record(name, Step.OK, t0, r instanceof String s ? s : null);
            return r;
        } catch (Exception e) {
            record(name, Step.FAILED, t0, e.getMessage());
            throw e;
        }
    }

    void run(String name, Callable<?> body) throws Exception {
        step(name, body::call);
    }

    private void record(String name, String status, long t0, String detail) {
        Step s = new Step(req.id(), steps.size() + 1, name, status, (System.nanoTime() - t0) / 1_000_000, detail);
        steps.add(s);
        LOG.info("[{} {}] step {} {} {} ms{}", req.verb().token(), req.id(), s.seq(), name, status, s.millis(),
                detail == null ? "" : ": " + detail);
        try {
            audit.step(s);
        } catch (RuntimeException e) {
            LOG.warn("could not publish step {}: {}", name, e.toString());
        }
    }

    /**
     * The record written, and acknowledged by JetStream, before the command's first mutating step
     * (step 0, not in {@link #steps}): who asked for what, with the migration's SQL itself (at
     * most {@link CommandRequest#MAX_SQL}), so even a command whose coordinator dies mid-way
     * leaves a trace of what it was about to do.
     */
    Step intent(String leader) {
        StringBuilder d = new StringBuilder("accepted by ").append(leader).append(" from ").append(req.principal());
        if (req.operator() != null) {
            d.append(" (operator ").append(req.operator()).append(')');
        }
        String p = parameters();
        if (!p.isEmpty()) {
            d.append(": ").append(p);
        }
        if (req.sql() != null) {
            d.append("\nsql:\n").append(req.sql());
        }
        return new Step(req.id(), 0, "audit record written before acting", Step.OK, 0, d.toString());
    }

    static String sha256(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    long elapsedMs() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    CommandResult result(String outcome, String reason, String leader, String primary, Long epoch, Object data) {
        return new CommandResult(req.id(), req.verb().token(), outcome, reason, req.principal(), req.operator(), parameters(),
                List.copyOf(steps), elapsedMs(), leader, primary, epoch, startedAt, data);
    }

    String parameters() {
        StringBuilder sb = new StringBuilder();
        if (req.to() != null) {
            sb.append("to=").append(req.to()).append(' ');
        }
        if (req.force()) {
            sb.append("force=true ");
        }
        if (req.reason() != null) {
            sb.append("reason=\"").append(req.reason()).append("\" ");
        }
        if (req.deadline() != null) {
            sb.append("deadline=").append(req.deadline()).append(' ');
        }
        if (req.sql() != null) {
            sb.append("sql=").append(req.sql().length()).append(" chars sha256=").append(sha256(req.sql())).append(' ');
        }
        return sb.toString().strip();
    }
}
