package olympus.ctl;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import olympus.failover.client.SreClient;
import olympus.failover.core.CommandResult;
import olympus.failover.core.Step;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The SRE tool: talks to the failover-coordinator leader over NATS as the operator's own user
 * ({@code sre-<operator>}, from a NATS context: {@link NatsContext}), on the operator's own command
 * subject, so every result and audit record names the operator (proven by NATS); shows each
 * step live as the coordinator completes it, and exits non-zero with the reason on refusal.
 * Exit codes: 0 done, 2 refused, 3 failed or rolled back, 1 no answer / usage.
 */
@Command(name = "olympusctl", mixinStandardHelpOptions = true, version = "olympusctl 0.1",
        description = "Failover, switchover and migration pauses for Olympus' multi-region PostgreSQL.",
        subcommands = {OlympusCtl.Status.class, OlympusCtl.Switchover.class, OlympusCtl.Failover.class, OlympusCtl.Pause.class,
                OlympusCtl.Resume.class, OlympusCtl.Migrate.class, OlympusCtl.Rejoin.class, OlympusCtl.History.class,
                OlympusCtl.Ack.class})
public final class OlympusCtl {
    public static void main(String[] args) {
        System.exit(new CommandLine(new OlympusCtl()).setExecutionExceptionHandler((e, cl, pr) -> {
            System.err.println("olympusctl: " + e.getMessage());
            return 1;
        }).execute(args));
    }

    /** Connection and output options every subcommand takes. */
    static final class Common {
        @Option(names = "--context", defaultValue = "${env:NATS_CONTEXT}", description = "NATS context (NATS_CONTEXT): a name"
                + " under ~/.config/nats/context or a file path, JSON with url, user and password (or nkey: a seed file); your"
                + " operator user sre-<you> may send commands only as you")
        String context;
        @Option(names = "--nats-url", defaultValue = "${env:NATS_URL}", description = "NATS server of your region (NATS_URL); default: the context's url")
        String url;
        @Option(names = "--operator", description = "operator name, when the context's user is not sre-<operator>")
        String operator;
        @Option(names = "--json", description = "machine-readable output: the result as JSON, steps as JSON lines on stderr")
        boolean json;
        @Option(names = "--timeout", defaultValue = "300", description = "seconds to wait for the result")
        int timeout;

        int run(String verb, Map<String, Object> body) throws Exception {
            body.put("operator", System.getProperty("user.name"));
            if (context == null || context.isBlank()) {
                throw new IllegalArgumentException("no NATS identity: pass --context NAME|FILE or set NATS_CONTEXT");
            }
            NatsContext ctx = NatsContext.load(context);
            String op = ctx.operator(operator);
            try (Connection nc = Nats.connect(ctx.apply(new Options.Builder(), url).connectionName("olympusctl")
                    .connectionTimeout(Duration.ofSeconds(5)).build())) {
                long t0 = System.nanoTime();
                CommandResult r = new SreClient(nc, op).run(verb, body, this::showStep, Duration.ofSeconds(timeout));
                if (json) {
                    System.out.println(SreClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(r));
                } else {
                    Render.result(r, (System.nanoTime() - t0) / 1_000_000);
                }
                return switch (r.outcome()) {
                    case CommandResult.DONE -> 0;
                    case CommandResult.REFUSED -> 2;
                    default -> 3;
                };
            }
        }

        private void showStep(Step s) {
            if (json) {
                try {
                    System.err.println(SreClient.JSON.writeValueAsString(s));
                } catch (Exception ignored) {
                    // steps are informational
                }
            } else {
                Render.step(s);
            }
        }
    }

    @Command(name = "status", description = "regions, primary, epoch, leader, writes state, each replica's lag and state")
    static final class Status implements Callable<Integer> {
        @Mixin
        Common c = new Common();

        public Integer call() throws Exception {
            return c.run("status", new LinkedHashMap<>());
        }
    }

    @Command(name = "switchover", description = "planned switchover to a healthy replica: zero loss, clients wait instead of failing")
    static final class Switchover implements Callable<Integer> {
        @Mixin
        Common c = new Common();
        @Option(names = "--to", required = true, description = "region of the replica to promote")
        String to;

        public Integer call() throws Exception {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("to", to);
            return c.run("switchover", b);
        }
    }

    @Command(name = "failover", description = "emergency failover when the primary is gone (needs 2 observers, lag under the limit, or --force)")
    static final class Failover implements Callable<Integer> {
        @Mixin
        Common c = new Common();
        @Option(names = "--to", description = "region to promote (default: the most advanced reachable replica)")
        String to;
        @Option(names = "--force", description = "accept possible data loss / missing observer quorum (audited)")
        boolean force;

        public Integer call() throws Exception {
            Map<String, Object> b = new LinkedHashMap<>();
            if (to != null) {
                b.put("to", to);
            }
            if (force) {
                b.put("force", true);
            }
            return c.run("failover", b);
        }
    }

    @Command(name = "pause", description = "pause writes (control KV + PgBouncer PAUSE); they resume by themselves at the deadline")
    static final class Pause implements Callable<Integer> {
        @Mixin
        Common c = new Common();
        @Option(names = "--reason", required = true)
        String reason;
        @Option(names = "--deadline", required = true, description = "90s, 10m, 1h or an ISO instant")
        String deadline;

        public Integer call() throws Exception {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("reason", reason);
            b.put("deadline", deadline);
            return c.run("pause", b);
        }
    }

    @Command(name = "resume", description = "resume writes")
    static final class Resume implements Callable<Integer> {
        @Mixin
        Common c = new Common();

        public Integer call() throws Exception {
            return c.run("resume", new LinkedHashMap<>());
        }
    }

    @Command(name = "migrate", description = "pause, apply SQL on the primary, wait until every replica replayed it, resume")
    static final class Migrate implements Callable<Integer> {
        @Mixin
        Common c = new Common();
        @Option(names = "--file", required = true)
        Path file;
        @Option(names = "--reason")
        String reason;

        public Integer call() throws Exception {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("sql", Files.readString(file));
            if (reason != null) {
                b.put("reason", reason);
            }
            return c.run("migrate", b);
        }
    }

    @Command(name = "rejoin", description = "turn a fenced former primary into a replica of the current primary (pg_rewind)")
    static final class Rejoin implements Callable<Integer> {
        @Mixin
        Common c = new Common();
        @Option(names = "--to", required = true, description = "region of the former primary")
        String to;

        public Integer call() throws Exception {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("to", to);
            return c.run("rejoin", b);
        }
    }

    @Command(name = "ack", description = "acknowledge an automatic failover (re-arms automatic failover)")
    static final class Ack implements Callable<Integer> {
        @Mixin
        Common c = new Common();

        public Integer call() throws Exception {
            return c.run("ack", new LinkedHashMap<>());
        }
    }

    @Command(name = "history", description = "recent commands: who, parameters, steps, outcome")
    static final class History implements Callable<Integer> {
        @Mixin
        Common c = new Common();
        @Option(names = "--limit", defaultValue = "20")
        int limit;

        public Integer call() throws Exception {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("limit", limit);
            return c.run("history", b);
        }
    }

}
