package olympus.failover.nats;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PublishOptions;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import olympus.failover.app.AuditSink;
import olympus.failover.core.CommandResult;
import olympus.failover.core.Step;
import olympus.failover.db.AuditRecord;
import olympus.failover.db.AuditRepository;
import olympus.failover.db.AuditSchema;
import olympus.wire.Naming;
import olympus.wire.Naming.Family;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Audit: steps and results are published to this region's AUDIT origin stream (acknowledged by
 * JetStream, de-duplicated by id), which every region's AUDIT_VIEW sources. A durable consumer on
 * the view then writes each result into PostgreSQL through the pooler, retrying (nak with delay)
 * while the primary is not writable, e.g. during a failover: the stream is the record, the table
 * a projection that catches up. Delivery: at least once into the table, made exactly-once by the
 * primary key.
 */
public final class NatsAudit implements AuditSink, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NatsAudit.class);
    static final ObjectMapper JSON = JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    private final Connection nc;
    private final JetStream js;
    private final String region;
    private final AuditRepository repo;
    private final AuditSchema schema;
    private final MeterRegistry metrics;
    private volatile boolean running = true;
    private Thread projector;

    public NatsAudit(Connection nc, String region, AuditRepository repo, AuditSchema schema, MeterRegistry metrics) {
        this.nc = nc;
        this.region = region;
        this.repo = repo;
        this.schema = schema;
        this.metrics = metrics;
        try {
            this.js = nc.jetStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String stepSubject(String region) {
        return Naming.subject(Family.AUDIT, region, "step");
    }

    public static String commandSubject(String region) {
        return Naming.subject(Family.AUDIT, region, "command");
    }

    @Override
    public void step(Step step) {
        publish(stepSubject(region), step, step.commandId() + "-" + step.seq());
    }

    @Override
    public void result(CommandResult result) {
        publish(commandSubject(region), result, result.id());
    }

    private void publish(String subject, Object body, String msgId) {
        try {
            js.publish(subject, JSON.writeValueAsBytes(body), PublishOptions.builder().messageId(msgId).build());
        } catch (IOException | JetStreamApiException e) {
            metrics.counter("olympus_failover_audit_publish_failures").increment();
            throw new IllegalStateException("audit publish to " + subject + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public List<CommandResult> history(int limit) {
        List<CommandResult> out = new ArrayList<>();
        for (AuditRecord r : repo.recent(limit)) {
            try {
                out.add(JSON.readValue(r.body(), CommandResult.class));
            } catch (IOException e) {
                LOG.warn("unreadable audit row {}: {}", r.id(), e.toString());
            }
        }
        return out;
    }

    /** Starts the projection of the AUDIT view into PostgreSQL. */
    public void startProjector() {
        projector = new Thread(this::project, "audit-projector");
        projector.setDaemon(true);
        projector.start();
    }

    private void project() {
        JetStreamSubscription sub = null;
        while (running) {
            try {
                if (sub == null) {
                    ConsumerConfiguration cc = ConsumerConfiguration.builder()
                            .durable("failover-audit-db-" + region)
                            .filterSubject("olympus.audit.*.command")
                            .ackPolicy(AckPolicy.Explicit)
                            .ackWait(Duration.ofSeconds(30))
                            .build();
                    sub = js.subscribe(null, PullSubscribeOptions.builder().stream(Naming.viewStream(Family.AUDIT))
                            .configuration(cc).build());
                }
                for (Message m : sub.fetch(20, Duration.ofSeconds(1))) {
                    handle(m);
                }
            } catch (Exception e) {
                if (!running) {
                    return;
                }
                LOG.warn("audit projector: {}", e.toString());
                sub = null;
                sleep(1000);
            }
        }
    }

    void handle(Message m) {
        CommandResult r;
        try {
            r = JSON.readValue(m.getData(), CommandResult.class);
            if (r.id() == null || r.verb() == null || r.outcome() == null) {
                throw new IOException("id, verb and outcome are required");
            }
        } catch (IOException e) {
            // A poison message would block nothing (explicit ack per message) but must not loop.
            LOG.warn("audit record on {} is not a command result, dropped: {}", m.getSubject(), e.getMessage());
            metrics.counter("olympus_failover_audit_projected", "result", "rejected").increment();
            m.term();
            return;
        }
        try {
            schema.ensure();
            repo.insertIgnore(r.id(), r.verb(), r.outcome(), r.principal(), r.reason(),
                    r.startedAt() == null ? Instant.now() : Instant.parse(r.startedAt()), r.totalMillis(), new String(m.getData()));
            m.ack();
            metrics.counter("olympus_failover_audit_projected", "result", "stored").increment();
        } catch (Exception e) {
            // Primary not writable (failover, pooler paused): the stream keeps it, try again later.
            metrics.counter("olympus_failover_audit_projected", "result", "retry").increment();
            LOG.warn("audit insert of {} deferred: {}", r.id(), e.toString());
            m.nakWithDelay(Duration.ofSeconds(2));
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        if (projector != null) {
            projector.interrupt();
        }
    }
}
