package olympus.wire;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The value under {@link #KEY} in the control bucket: where the primary is, the epoch (incremented
 * on every primary change) and whether writes are open. Written only by the failover-coordinator
 * leader, always with a compare-and-set on the key's revision; read (and watched) by everyone
 * else, the session-router first. A reader that sees a lower epoch than one it already saw keeps
 * the higher one: epochs never go back.
 *
 * <p>Instants are ISO-8601 strings, as on the wire elsewhere.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ClusterTopology(int schemaVersion, long epoch, String primary, Writes writes,
                             Map<String, Member> members, String updatedAt, String updatedBy, String reason) {
    /** Key of the topology in {@link Naming#CONTROL_BUCKET}. */
    public static final String KEY = "topology";
    /** Key of the coordinator leader's lease in {@link Naming#CONTROL_BUCKET}. */
    public static final String LEADER_KEY = "leader";
    /** Key of the command in flight (switchover, failover, ...), present only while one runs. */
    public static final String OPERATION_KEY = "operation";
    public static final int SCHEMA_VERSION = 1;

    public enum WritesState { OPEN, PAUSED }

    /** Writes state; when PAUSED, who paused, why, and when writes reopen by themselves (null: never). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Writes(WritesState state, String reason, String by, String since, String deadline) {
        public static Writes open() {
            return new Writes(WritesState.OPEN, null, null, null, null);
        }

        public boolean paused(Instant now) {
            return state == WritesState.PAUSED && (deadline == null || now.isBefore(Instant.parse(deadline)));
        }
    }

    /** A region's database member: PRIMARY, REPLICA, or FENCED (a former primary not yet rejoined). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Member(String role, String host, int port) {}

    public ClusterTopology {
        Objects.requireNonNull(writes, "writes");
        Naming.requireRegion(primary);
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        }
        members = members == null ? Map.of() : Map.copyOf(members);
    }

    public static ClusterTopology initial(String primary, List<String> regions, Instant now) {
        java.util.LinkedHashMap<String, Member> m = new java.util.LinkedHashMap<>();
        for (String r : regions) {
            m.put(r, new Member(r.equals(primary) ? "PRIMARY" : "REPLICA", null, 0));
        }
        return new ClusterTopology(SCHEMA_VERSION, 1, primary, Writes.open(), m, now.toString(), "bootstrap", "initial topology");
    }

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    public byte[] toJson() {
        try {
            return MAPPER.writeValueAsBytes(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses a stored topology; a value that is not one is an error the reader must surface. */
    public static ClusterTopology fromJson(byte[] json) {
        try {
            ClusterTopology t = MAPPER.readValue(json, ClusterTopology.class);
            if (t.schemaVersion() != SCHEMA_VERSION) {
                throw new WireException(Rejection.UNSUPPORTED_VERSION, "schemaVersion",
                        "topology schemaVersion " + t.schemaVersion() + " is not supported (supported: " + SCHEMA_VERSION + ")");
            }
            return t;
        } catch (java.io.IOException | IllegalArgumentException | NullPointerException e) {
            throw new WireException(Rejection.MALFORMED_JSON, null, "control topology value is not valid: " + e.getMessage());
        }
    }
}
