package olympus.revocation.nats;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamOptions;
import io.nats.client.Message;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import olympus.wire.Naming;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * Sends a poison event to the region's dead-letter stream ({@link Naming#deadLetterStream}) with
 * the reason, the original subject and its view-stream sequence in headers. Delivery guarantee:
 * the returned future completes once the stream acknowledged it; the caller settles the original
 * only then, so a dead letter is kept (queryable for 90 days) or its original is redelivered.
 * Core subscribers of the subject still see each one as it is sent.
 */
public final class DeadLetters {
    public static final String SEQUENCE_HEADER = "Olympus-View-Sequence";
    public static final String SUBJECT_HEADER = "Olympus-Original-Subject";

    private final JetStream js;
    private final String subject;

    public DeadLetters(Connection nc, JetStreamOptions jso, String region) throws IOException {
        this.js = nc.jetStream(jso);
        this.subject = Naming.deadLetterSubject(Naming.Family.REVOCATION, region);
    }

    public String subject() {
        return subject;
    }

    /**
     * Sends one poison event of {@code original} (the whole payload when it holds one event).
     * {@code index} is the event's place in its message: with the view sequence it is the message
     * id, so a redelivered original (or a rebuild meeting it again) does not store it twice.
     */
    public CompletableFuture<PublishAck> send(Message original, int index, byte[] event, String reason) {
        Headers h = new Headers();
        h.put(Naming.DEAD_LETTER_REASON_HEADER, ascii(reason));
        h.put(SUBJECT_HEADER, ascii(original.getSubject()));
        PublishOptions.Builder po = PublishOptions.builder().expectedStream(Naming.deadLetterStream(Naming.Family.REVOCATION));
        if (original.isJetStream()) {
            long seq = original.metaData().streamSequence();
            h.put(SEQUENCE_HEADER, Long.toString(seq));
            po.messageId("dl-" + seq + "-" + index);
        }
        byte[] data = event == null ? new byte[0] : event;
        return js.publishAsync(NatsMessage.builder().subject(subject).headers(h).data(data).build(), po.build());
    }

    /** Header values must be printable ASCII on one line; the reason may quote anything. */
    static String ascii(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 400));
        for (int i = 0; i < s.length() && b.length() < 400; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }
}
