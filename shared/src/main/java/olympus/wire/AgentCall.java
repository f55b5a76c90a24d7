package olympus.wire;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.util.Set;

/**
 * One request to a region's node agent, on {@link Naming#agentSubject}. Only the coordinators'
 * NATS user may publish there and only that region's agent may subscribe (NATS permissions):
 * who may ask comes from the server, not from this message. The token decides whether a
 * mutating request is still the leader's ({@link FencingToken}).
 *
 * @param v         protocol version ({@link #VERSION}); an agent refuses any other
 * @param op        the {@link Op}
 * @param token     required for every mutating op; ignored for {@code status}
 * @param primary   repoint, follow, rejoin: the region that is (or becomes) the primary
 * @param timeoutMs how long the action may take on the host (pause, shut down, promote, rejoin, apply)
 * @param cleanStop rejoin: the node stopped cleanly and the new primary replayed its shutdown checkpoint
 * @param sql       apply: the migration, run in one transaction
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AgentCall(int v, String op, FencingToken token, String primary, Long timeoutMs, Boolean cleanStop, String sql) {
    public static final int VERSION = 1;
    /** A migration is the largest thing sent; anything bigger is refused before parsing. */
    public static final int MAX_BYTES = 512 * 1024;
    public static final long MAX_TIMEOUT_MS = 30 * 60 * 1000L;

    public enum Op {
        STATUS, PAUSE_POOL, RESUME_POOL, REPOINT_POOL, REPOINT_AND_RESUME, FENCE, SHUT_DOWN, RESTART, CURRENT_WAL_LSN,
        PROMOTE, UNFENCE, FOLLOW, REJOIN, APPLY;

        /** Everything but a status probe and a position read changes the host: it needs a current token. */
        public boolean mutating() {
            return this != STATUS && this != CURRENT_WAL_LSN;
        }

        static final Set<Op> NEEDS_PRIMARY = Set.of(REPOINT_POOL, REPOINT_AND_RESUME, FOLLOW, REJOIN);
    }

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    public Op operation() {
        return Op.valueOf(op);
    }

    public static AgentCall of(Op op, FencingToken token, String primary, Long timeoutMs, Boolean cleanStop, String sql) {
        return new AgentCall(VERSION, op.name(), token, primary, timeoutMs, cleanStop, sql);
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses and checks a request; a {@link WireException} says what is wrong, for the reply. */
    public static AgentCall parse(byte[] body) {
        if (body == null || body.length == 0) {
            throw new BadRequest("empty request");
        }
        if (body.length > MAX_BYTES) {
            throw new BadRequest("request of " + body.length + " bytes exceeds " + MAX_BYTES);
        }
        AgentCall c;
        try {
            c = JSON.readValue(body, AgentCall.class);
        } catch (IOException e) {
            throw new BadRequest("malformed request: " + firstLine(e.getMessage()));
        }
        if (c.v != VERSION) {
            throw new BadRequest("unsupported protocol version " + c.v + " (this agent speaks " + VERSION + ")");
        }
        Op op;
        try {
            op = c.operation();
        } catch (RuntimeException e) {
            throw new BadRequest("unknown op '" + c.op + "'");
        }
        if (op.mutating() && c.token == null) {
            throw new BadRequest(op + " needs a fencing token (term, epoch, leader)");
        }
        if (Op.NEEDS_PRIMARY.contains(op)) {
            if (c.primary == null) {
                throw new BadRequest(op + " needs 'primary'");
            }
            try {
                Naming.requireRegion(c.primary);
            } catch (IllegalArgumentException e) {
                throw new BadRequest("'primary' is not a region name: " + e.getMessage());
            }
        }
        if (c.timeoutMs != null && (c.timeoutMs <= 0 || c.timeoutMs > MAX_TIMEOUT_MS)) {
            throw new BadRequest("timeoutMs must be 1.." + MAX_TIMEOUT_MS);
        }
        if (op == Op.APPLY && (c.sql == null || c.sql.isBlank())) {
            throw new BadRequest("APPLY needs 'sql'");
        }
        return c;
    }

    /** The request cannot be taken as it is; the message says why, for the reply. */
    public static final class BadRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public BadRequest(String message) {
            super(message);
        }
    }

    static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }
}
