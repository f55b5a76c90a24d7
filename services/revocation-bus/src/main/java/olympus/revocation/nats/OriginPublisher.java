package olympus.revocation.nats;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.PublishOptions;
import olympus.wire.EventCodec;
import olympus.wire.Naming;
import olympus.wire.RevocationKind;
import olympus.wire.WireEvent;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Publishes revocations to this region's origin stream. Delivery guarantee: a completed future
 * means the origin stream has stored the event (JetStream ack, file storage), so it reaches
 * every region's view stream however long a region is cut off, within the stream's max age.
 * The event id is the {@code Nats-Msg-Id}: a caller's retry within the origin's duplicate window
 * is stored once (the ack says duplicate), and the apply side is idempotent beyond it.
 */
public final class OriginPublisher {
    private final JetStream js;
    private final EventCodec codec;
    private final String region;
    private final String stream;
    private final Duration timeout;

    public OriginPublisher(Connection nc, EventCodec codec, String region, Duration timeout) throws IOException {
        this.js = nc.jetStream(JetStreamOptions.builder().domain(region).requestTimeout(timeout).build());
        this.codec = codec;
        this.region = region;
        this.stream = Naming.originStream(Naming.Family.REVOCATION, region);
        this.timeout = timeout;
    }

    public String stream() {
        return stream;
    }

    public CompletableFuture<PublishAck> publish(WireEvent event) {
        byte[] data = codec.encode(event);
        PublishOptions po = PublishOptions.builder()
                .messageId(event.eventId())
                // No expectedStream here, although it would catch a misconfigured capture: the
                // Nats-Expected-Stream header travels with the message into every view stream,
                // which (2.9.10) then refuses to store it, silently stalling the spread. The ack's
                // stream name is checked instead.
                .build();
        try {
            return js.publishAsync(RevocationKind.of(event).subject(region), null, data, po)
                    .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .thenApply(ack -> {
                        if (!stream.equals(ack.getStream())) {
                            throw new IllegalStateException("stored in " + ack.getStream() + ", not in " + stream
                                    + ": it would not spread; fix the stream layout");
                        }
                        return ack;
                    });
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
