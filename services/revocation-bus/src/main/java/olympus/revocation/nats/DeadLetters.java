package olympus.revocation.nats;

import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import olympus.wire.Naming;

/**
 * Sends a poison event to the region's dead-letter subject with the reason in a header.
 * Core NATS, best-effort: the message stays in the view stream (terminated, not deleted), so an
 * operator can always find it there by sequence even if no one listened to the dead letter.
 */
public final class DeadLetters {
    public static final String SEQUENCE_HEADER = "Olympus-View-Sequence";
    public static final String SUBJECT_HEADER = "Olympus-Original-Subject";

    private final Connection nc;
    private final String subject;

    public DeadLetters(Connection nc, String region) {
        this.nc = nc;
        this.subject = Naming.deadLetterSubject(Naming.Family.REVOCATION, region);
    }

    public String subject() {
        return subject;
    }

    /** Sends one poison event of {@code original} (the whole payload when it holds one event). */
    public void send(Message original, byte[] event, String reason) {
        Headers h = new Headers();
        h.put(Naming.DEAD_LETTER_REASON_HEADER, ascii(reason));
        h.put(SUBJECT_HEADER, ascii(original.getSubject()));
        if (original.isJetStream()) {
            h.put(SEQUENCE_HEADER, Long.toString(original.metaData().streamSequence()));
        }
        byte[] data = event == null ? new byte[0] : event;
        nc.publish(NatsMessage.builder().subject(subject).headers(h).data(data).build());
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
