package olympus.revocation.nats;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.impl.Headers;
import olympus.revocation.RevocationService;
import olympus.revocation.api.Replies;
import olympus.revocation.http.BadRequestException;
import olympus.revocation.http.RequestJson;
import olympus.wire.WireEvent;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * NATS request/reply ingest for internal publishers, on {@code olympus.revocation-bus.ingest.<region>}
 * (queue group: one instance of the region answers). Same body and reply as the HTTP API, plus a
 * {@code Status} header (200, 400, 503). Who may publish here is decided by NATS permissions,
 * not by anything in the request. Same guarantee as HTTP: a 200 reply means stored in the origin
 * stream; no reply (timeout) means unknown, so retry with the same event ids.
 */
public final class IngestListener implements AutoCloseable {
    public static final String STATUS_HEADER = "Status";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Connection nc;
    private final RevocationService service;
    private final String subject;
    private final RequestJson parser;
    private final java.util.function.LongConsumer served;
    private Dispatcher dispatcher;

    /** {@code served} receives, per request, the nanoseconds from its delivery to this instance to the reply. */
    public IngestListener(Connection nc, RevocationService service, String region, int maxBatch, java.util.function.LongConsumer served) {
        this.served = served;
        this.nc = nc;
        this.service = service;
        this.subject = subject(region);
        this.parser = new RequestJson(maxBatch);
    }

    public static String subject(String region) {
        return "olympus.revocation-bus.ingest." + region;
    }

    public String subject() {
        return subject;
    }

    public void start() {
        dispatcher = nc.createDispatcher(this::onMessage);
        dispatcher.subscribe(subject, "revocation-bus");
    }

    void onMessage(Message m) {
        long t0 = System.nanoTime();
        if (m.getReplyTo() == null) {
            return; // fire-and-forget ingest would hide failures from the publisher: refuse silently
        }
        List<WireEvent> events;
        try {
            events = service.validate(parser.parse(m.getData()));
        } catch (BadRequestException e) {
            reply(m, t0, 400, new Replies.ErrorReply(e.getMessage(), e.field(), e.index(), e.rejection()));
            return;
        } catch (RuntimeException e) {
            reply(m, t0, 400, new Replies.ErrorReply("request refused: " + e.getMessage(), null, null, "INVALID"));
            return;
        }
        List<WireEvent> valid = events;
        service.reusedIds(valid).thenAccept(reused -> {
            if (reused != null) {
                reply(m, t0, 409, new Replies.ErrorReply(reused.getMessage(), reused.field(), reused.index(), reused.rejection()));
            } else {
                service.publish(valid).thenAccept(r -> reply(m, t0, r.failed().isEmpty() ? 200 : 503, r));
            }
        });
    }

    private void reply(Message m, long deliveredAt, int status, Object body) {
        Headers h = new Headers();
        h.put(STATUS_HEADER, Integer.toString(status));
        byte[] data;
        try {
            data = JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            data = ("{\"error\":\"cannot encode reply\"}").getBytes(StandardCharsets.UTF_8);
        }
        nc.publish(m.getReplyTo(), h, data);
        served.accept(System.nanoTime() - deliveredAt);
    }

    @Override
    public void close() {
        if (dispatcher != null) {
            nc.closeDispatcher(dispatcher);
        }
    }
}
