package olympus.failover.nats;

import io.micrometer.core.instrument.MeterRegistry;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import olympus.failover.app.Coordinator;
import olympus.failover.core.CommandRefusedException;
import olympus.failover.core.CommandRequest;
import olympus.failover.core.CommandResult;
import olympus.failover.core.NotLeaderException;
import olympus.failover.core.Verb;
import olympus.wire.Naming;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Commands over NATS request/reply on {@code olympus.control.cmd.<operator>.<verb>}.
 *
 * <p>Who: NATS 2.9 does not tell a subscriber which user published, but each operator's user
 * ({@code sre-<operator>}) may publish only under its own operator token (NatsRole), so the
 * principal recorded, {@code nats:<operator>}, is taken from the subject the command arrived on:
 * proven by the server's authorization, not claimed by anything in the message. A command on a
 * subject without an operator token is refused. The {@code operator} field a tool may send is
 * recorded as a claim only.
 *
 * <p>Every coordinator receives every command. The leader answers at once (ACCEPTED with the
 * command id, or REFUSED with the reason); the steps and the result follow on the AUDIT stream.
 * Non-leaders answer "not the leader: X" after a short delay so the leader's answer comes first.
 */
public final class CommandListener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CommandListener.class);
    public static final String ACCEPTED = "ACCEPTED";
    static final int MAX_BYTES = 128 * 1024;

    private final Connection nc;
    private final Coordinator coordinator;
    private final List<String> regions;
    private final Clock clock;
    private final MeterRegistry metrics;
    private final ScheduledExecutorService delayed = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "command-late-reply");
        t.setDaemon(true);
        return t;
    });
    private Dispatcher dispatcher;

    public CommandListener(Connection nc, Coordinator coordinator, List<String> regions, Clock clock, MeterRegistry metrics) {
        this.nc = nc;
        this.coordinator = coordinator;
        this.regions = regions;
        this.clock = clock;
        this.metrics = metrics;
    }

    public void start() {
        dispatcher = nc.createDispatcher(this::onMessage);
        dispatcher.subscribe(Naming.CONTROL_COMMANDS);
    }

    void onMessage(Message m) {
        if (m.getReplyTo() == null) {
            metrics.counter("olympus_failover_command_messages", "result", "no_reply_subject").increment();
            return;
        }
        String verbToken = Naming.kindOf(m.getSubject());
        String operator = Naming.operatorOf(m.getSubject());
        if (operator == null) {
            reply(m, new CommandResult(null, verbToken, CommandResult.REFUSED, "commands go on olympus.control.cmd.<operator>.<verb>: "
                    + m.getSubject() + " names no operator", null, null, null, List.of(), 0, coordinator.leadership().leader(), null, null,
                    clock.instant().toString(), null), coordinator.leadership().mayAct() ? 0 : 300);
            return;
        }
        String principal = principal(operator);
        boolean leader = coordinator.leadership().mayAct();
        CommandRequest req = null;
        Verb verb = null;
        try {
            verb = Verb.parse(verbToken);
            req = CommandRequest.from(UUID.randomUUID().toString(), verb, body(m), regions, principal, clock.instant());
            if (!verb.mutating()) {
                reply(m, coordinator.submit(req).join(), leader ? 0 : 200);
                return;
            }
            if (!leader) {
                throw new NotLeaderException(coordinator.leadership().leader());
            }
            CommandRequest accepted = req;
            coordinator.submit(req);
            reply(m, new CommandResult(accepted.id(), verb.token(), ACCEPTED, "running on the leader", principal, accepted.operator(),
                    null, List.of(), 0, coordinator.leadership().leader(), null, null, clock.instant().toString(), null), 0);
        } catch (NotLeaderException e) {
            reply(m, new CommandResult(null, verbToken, CommandResult.REFUSED, e.getMessage(), principal, null, null, List.of(), 0,
                    e.leader(), null, null, clock.instant().toString(), null), 300);
        } catch (CommandRefusedException e) {
            String reason = e.field() == null ? e.getMessage() : e.field() + ": " + e.getMessage();
            if (leader) {
                reply(m, coordinator.refused(req, verb == null ? Verb.STATUS : verb, principal, reason), 0);
            } else {
                reply(m, new CommandResult(null, verbToken, CommandResult.REFUSED, reason, principal, null, null, List.of(), 0,
                        coordinator.leadership().leader(), null, null, clock.instant().toString(), null), 300);
            }
        } catch (RuntimeException e) {
            LOG.warn("command on {} failed", m.getSubject(), e);
            reply(m, new CommandResult(null, verbToken, CommandResult.FAILED, String.valueOf(e.getMessage()), principal, null, null,
                    List.of(), 0, coordinator.leadership().leader(), null, null, clock.instant().toString(), null), leader ? 0 : 300);
        }
    }

    /** The principal of a command received on operator {@code operator}'s subject. */
    public static String principal(String operator) {
        return "nats:" + operator;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> body(Message m) {
        byte[] d = m.getData();
        if (d == null || d.length == 0) {
            return Map.of();
        }
        if (d.length > MAX_BYTES) {
            throw new CommandRefusedException("body", "command is " + d.length + " bytes, over the " + MAX_BYTES + " limit");
        }
        try {
            Object o = NatsAudit.JSON.readValue(d, Object.class);
            if (!(o instanceof Map)) {
                throw new CommandRefusedException("body", "command body must be a JSON object");
            }
            return (Map<String, Object>) o;
        } catch (IOException e) {
            throw new CommandRefusedException("body", "command body is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    private void reply(Message m, CommandResult r, long delayMs) {
        metrics.counter("olympus_failover_command_messages", "result", r.outcome()).increment();
        Runnable send = () -> {
            try {
                nc.publish(m.getReplyTo(), NatsAudit.JSON.writeValueAsBytes(r));
            } catch (IOException | RuntimeException e) {
                LOG.warn("cannot reply to {}: {}", m.getSubject(), e.toString());
            }
        };
        if (delayMs <= 0) {
            send.run();
        } else {
            delayed.schedule(send, delayMs, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() {
        if (dispatcher != null) {
            nc.closeDispatcher(dispatcher);
        }
        delayed.shutdownNow();
    }
}
