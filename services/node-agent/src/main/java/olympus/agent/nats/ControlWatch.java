package olympus.agent.nats;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueOptions;
import io.nats.client.JetStreamOptions;
import olympus.nats.LeaderReads;
import olympus.wire.ClusterTopology;
import olympus.wire.Naming;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;

/**
 * The agent's view of the control quorum. A heartbeat is a KV put of {@code agent.<region>}: its
 * acknowledgement comes only once a majority of the control nodes stored it, so a heartbeat that
 * succeeds proves the quorum was reachable when it was sent. Then the topology and the operation
 * are read from the bucket's stream leader (never a replica's possibly stale copy).
 */
public final class ControlWatch {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Connection nc;
    private final KeyValue kv;
    private final String key;
    private final Duration timeout;

    /** What one round saw: the topology's primary and epoch, and the operation's target (null if none). */
    public record Seen(String primary, long epoch, boolean operation, String operationTo) {}

    public ControlWatch(Connection nc, String region, Duration timeout) {
        this.nc = nc;
        this.timeout = timeout;
        this.key = Naming.AGENT_HEARTBEAT_PREFIX + region;
        try {
            this.kv = nc.keyValue(Naming.CONTROL_BUCKET, KeyValueOptions.builder()
                    .jetStreamOptions(JetStreamOptions.builder().domain(Naming.CONTROL_DOMAIN).requestTimeout(timeout).build()).build());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The heartbeat; returns normally only if the quorum committed it. */
    public void heartbeat(Map<String, Object> record) throws Exception {
        kv.put(key, JSON.writeValueAsBytes(record));
    }

    /** Null if the leader could not be read (then the round counts as no quorum for lifting a fence). */
    public Seen read() {
        try {
            // The operation first, then the topology: an operation is recorded before its
            // promotion and cleared after its epoch++, so a topology read after the operation
            // that still names the old primary always comes with that operation.
            LeaderReads.Entry op = LeaderReads.last(nc, ClusterTopology.OPERATION_KEY, timeout, Duration.ZERO);
            LeaderReads.Entry t = LeaderReads.last(nc, ClusterTopology.KEY, timeout, Duration.ZERO);
            if (t == null || t.value() == null) {
                return null;
            }
            ClusterTopology topo = ClusterTopology.fromJson(t.value());
            String to = null;
            boolean under = op != null && op.value() != null;
            if (under) {
                JsonNode n = JSON.readTree(op.value());
                to = n.path("to").isTextual() ? n.path("to").asText() : null;
            }
            return new Seen(topo.primary(), topo.epoch(), under, to);
        } catch (Exception e) {
            return null;
        }
    }
}
