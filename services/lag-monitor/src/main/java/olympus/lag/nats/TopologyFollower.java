package olympus.lag.nats;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueOptions;
import io.nats.client.api.KeyValueEntry;
import olympus.wire.ClusterTopology;
import olympus.wire.Naming;
import olympus.wire.WireException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Where the primary is, from the control KV's "topology" key. Read by polling (a KV get in the
 * control domain) rather than a watch: a region cut off from the control cluster cannot create
 * consumers, and a poll simply keeps the last topology it saw until the cut heals. Epochs never
 * go back: a lower epoch than one already seen is ignored.
 */
public final class TopologyFollower {
    private static final Logger LOG = LoggerFactory.getLogger(TopologyFollower.class);

    private final KeyValue kv;
    private final AtomicReference<ClusterTopology> current;
    private volatile String lastError;
    /** KV revision of the topology last parsed (poll thread only): an unchanged entry is not parsed again. */
    private long lastRevision = -1;

    public TopologyFollower(Connection nc, String bootstrapPrimary, List<String> regions, Duration timeout) throws IOException {
        this.kv = nc.keyValue(Naming.CONTROL_BUCKET, KeyValueOptions.builder()
                // The domain goes inside the JetStreamOptions: setting those replaces a jsDomain set before.
                .jetStreamOptions(io.nats.client.JetStreamOptions.builder().domain(Naming.CONTROL_DOMAIN)
                        .requestTimeout(timeout).build()).build());
        // Epoch 0 marks "not read yet": any real topology (epoch >= 1) replaces it.
        ClusterTopology boot = ClusterTopology.initial(bootstrapPrimary, regions, Instant.EPOCH);
        this.current = new AtomicReference<>(new ClusterTopology(boot.schemaVersion(), 0, boot.primary(), boot.writes(),
                boot.members(), boot.updatedAt(), "bootstrap", "from OLYMPUS_PRIMARY_REGION until the control KV is read"));
    }

    public ClusterTopology current() {
        return current.get();
    }

    public String lastError() {
        return lastError;
    }

    /** One read of the control KV; never throws (a failed read keeps the last topology). */
    public boolean poll() {
        try {
            KeyValueEntry e = kv.get(ClusterTopology.KEY);
            if (e == null || e.getValue() == null) {
                lastError = "no '" + ClusterTopology.KEY + "' key in " + Naming.CONTROL_BUCKET;
                return false;
            }
            if (e.getRevision() == lastRevision) {
                lastError = null;
                return true;
            }
            ClusterTopology t = ClusterTopology.fromJson(e.getValue());
            lastRevision = e.getRevision();
            ClusterTopology before = current.getAndUpdate(old -> t.epoch() >= old.epoch() ? t : old);
            if (!t.primary().equals(before.primary()) || t.epoch() != before.epoch()) {
                LOG.info("topology: primary {} epoch {} (was {} epoch {})", t.primary(), t.epoch(), before.primary(), before.epoch());
            }
            lastError = null;
            return true;
        } catch (IOException | JetStreamApiException | WireException | IllegalStateException e) {
            if (lastError == null) {
                LOG.warn("cannot read the control topology, keeping primary {} epoch {}: {}", current().primary(),
                        current().epoch(), e.getMessage());
            }
            lastError = String.valueOf(e.getMessage());
            return false;
        }
    }
}
