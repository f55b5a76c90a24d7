package olympus.failover.client;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import olympus.failover.core.CommandResult;
import olympus.failover.core.Step;
import olympus.wire.Naming;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What olympusctl (and the tests) use to issue a command as the SRE NATS user: follow the AUDIT
 * view first (so no step is missed), send the request, then report each step as it lands until
 * the command's result arrives. Read-only commands answer in the reply itself.
 */
public final class SreClient {
    public static final ObjectMapper JSON = JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    private final Connection nc;
    private final String operator;

    /** A client of operator {@code operator}, whose NATS user ({@code sre-<operator>}) {@code nc} is connected as. */
    public SreClient(Connection nc, String operator) {
        this.nc = nc;
        this.operator = Naming.requireOperator(operator);
    }

    public CommandResult run(String verb, Map<String, Object> body, Consumer<Step> onStep, Duration timeout)
            throws IOException, InterruptedException, JetStreamApiException {
        JetStreamSubscription sub = nc.jetStream().subscribe("olympus.audit.>", PushSubscribeOptions.builder()
                .stream(Naming.viewStream(Naming.Family.AUDIT)).ordered(true)
                .configuration(ConsumerConfiguration.builder().deliverPolicy(DeliverPolicy.New).build()).build());
        try {
            Message reply;
            try {
                reply = nc.request(Naming.controlCommand(operator, verb), JSON.writeValueAsBytes(body), Duration.ofSeconds(10));
            } catch (RuntimeException e) {
                throw new IOException("no answer to " + verb + ": " + e.getMessage(), e);
            }
            if (reply == null) {
                throw new IOException("no coordinator answered " + verb + " within 10 s (is one running, and is this user allowed to publish "
                        + Naming.controlCommand(operator, verb) + "?)");
            }
            CommandResult first = JSON.readValue(reply.getData(), CommandResult.class);
            if (!"ACCEPTED".equals(first.outcome())) {
                return first;
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                Message m = sub.nextMessage(Duration.ofMillis(500));
                if (m == null) {
                    continue;
                }
                String kind = Naming.kindOf(m.getSubject());
                if (kind.equals("step")) {
                    Step s = JSON.readValue(m.getData(), Step.class);
                    if (first.id().equals(s.commandId()) && onStep != null) {
                        onStep.accept(s);
                    }
                } else if (kind.equals("command")) {
                    CommandResult r = JSON.readValue(m.getData(), CommandResult.class);
                    if (first.id().equals(r.id())) {
                        return r;
                    }
                }
            }
            throw new IOException(verb + " " + first.id() + " accepted but no result within " + timeout.toSeconds() + " s");
        } finally {
            sub.unsubscribe();
        }
    }
}
