package olympus.ctl;

import olympus.failover.client.SreClient;
import olympus.failover.core.CommandResult;
import olympus.failover.core.Step;

import java.util.List;
import java.util.Map;

/** Human output: steps as they complete, then the outcome; status and history as tables. */
final class Render {
    private Render() {}

    static void step(Step s) {
        System.out.printf("  %s %2d  %-62s %6d ms%s%n", Step.OK.equals(s.status()) ? "ok  " : "FAIL", s.seq(), s.name(), s.millis(),
                s.detail() == null ? "" : "  " + s.detail());
        System.out.flush();
    }

    @SuppressWarnings("unchecked")
    static void result(CommandResult r, long ms) {
        if ("status".equals(r.verb()) && r.data() instanceof Map<?, ?> d) {
            status((Map<String, Object>) d);
        } else if ("history".equals(r.verb()) && r.data() instanceof List<?> l) {
            history((List<Object>) l);
        }
        String tag = switch (r.outcome()) {
            case CommandResult.DONE -> "DONE";
            case CommandResult.REFUSED -> "REFUSED";
            default -> r.outcome();
        };
        if (!("status".equals(r.verb()) || "history".equals(r.verb())) || !r.ok()) {
            System.out.printf("%s %s: %s  (%d ms; by %s; leader %s)%n", r.verb(), tag, r.reason(), ms, r.principal(), r.leader());
        }
    }

    @SuppressWarnings("unchecked")
    private static void status(Map<String, Object> d) {
        Map<String, Object> t = (Map<String, Object>) d.get("topology");
        Map<String, Object> w = (Map<String, Object>) t.get("writes");
        System.out.printf("primary %s   epoch %s   leader %s%n", t.get("primary"), t.get("epoch"), d.get("leader"));
        System.out.printf("writes  %s%s%n", w.get("state"), "PAUSED".equals(w.get("state"))
                ? " (" + w.get("reason") + ", by " + w.get("by") + (w.get("deadline") == null ? "" : ", until " + w.get("deadline")) + ")" : "");
        if (d.get("operation") != null) {
            System.out.println("operation in progress: " + d.get("operation"));
        }
        Map<String, Object> members = (Map<String, Object>) t.get("members");
        System.out.printf("%-10s %-8s %-12s %s%n", "REGION", "ROLE", "LAG", "STATE");
        for (Object o : (List<Object>) d.get("nodes")) {
            Map<String, Object> n = (Map<String, Object>) o;
            Object role = members == null ? "?" : ((Map<String, Object>) members.getOrDefault(n.get("region"), Map.of())).get("role");
            Object lag = n.get("lagBytes");
            System.out.printf("%-10s %-8s %-12s %s%n", n.get("region"), role, lag == null ? "-" : lag + " B", n.get("state"));
        }
    }

    @SuppressWarnings("unchecked")
    private static void history(List<Object> rows) {
        System.out.printf("%-24s %-10s %-11s %-22s %7s  %s%n", "STARTED", "VERB", "OUTCOME", "BY", "MS", "REASON / PARAMETERS");
        for (Object o : rows) {
            CommandResult r = SreClient.JSON.convertValue(o, CommandResult.class);
            String started = r.startedAt() == null ? "" : r.startedAt().substring(0, Math.min(23, r.startedAt().length()));
            System.out.printf("%-24s %-10s %-11s %-22s %7d  %s%s%n", started, r.verb(), r.outcome(), r.principal(), r.totalMillis(),
                    r.reason(), r.parameters() == null || r.parameters().isBlank() ? "" : "  [" + r.parameters() + "]");
        }
    }
}
