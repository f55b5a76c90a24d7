package olympus.lag.nats;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import olympus.lag.service.RemoteLag;
import olympus.wire.EventCodec;
import olympus.wire.Naming;
import olympus.wire.Naming.Family;
import olympus.wire.ReplicaLagSampled;
import olympus.wire.WireException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Other regions' samples, heard over core NATS (through the leaf nodes), so this instance's check
 * API can answer for every replica. Best effort by design: a missed sample just ages the last one
 * into STALE. A payload that does not decode is counted and logged, never thrown.
 */
public final class RemoteSamplesListener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteSamplesListener.class);

    private final Dispatcher dispatcher;
    private final EventCodec codec = new EventCodec();

    private final java.util.List<String> subjects;

    /**
     * Subscribes to the other regions' sample subjects only: hearing (and decoding) our own
     * samples ten times a second would cost CPU for nothing.
     */
    public RemoteSamplesListener(Connection nc, RemoteLag target, String ownRegion, java.util.Collection<String> regions) {
        this.dispatcher = nc.createDispatcher(m -> onMessage(m, target));
        this.subjects = regions.stream().filter(r -> !r.equals(ownRegion))
                .map(r -> Naming.subject(Family.LAG, r, "sample")).toList();
        subjects.forEach(dispatcher::subscribe);
    }

    private void onMessage(Message m, RemoteLag target) {
        if (!"sample".equals(Naming.kindOf(m.getSubject()))) {
            return;
        }
        try {
            target.onRemoteSample(codec.decode(m.getData(), ReplicaLagSampled.class), Naming.regionOf(m.getSubject()));
        } catch (WireException e) {
            target.onRejected(e.rejection().name());
            LOG.warn("ignoring a lag sample on {}: {} ({})", m.getSubject(), e.getMessage(), e.rejection());
        } catch (RuntimeException e) {
            target.onRejected("ERROR");
            LOG.warn("ignoring a lag sample on {}: {}", m.getSubject(), e.toString());
        }
    }

    @Override
    public void close() {
        subjects.forEach(dispatcher::unsubscribe);
    }
}
