package olympus.wire;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;

/**
 * A node agent's answer. {@code outcome} is OK, REFUSED (not done, and why: a stale fencing token,
 * a bad request) or FAILED (tried and failed on the host); {@code detail} says what was done.
 * Status fields are filled for STATUS (and null elsewhere). {@code upstream} is the region a replica
 * streams WAL from and {@code upstreamAgeMs} how long ago it last received anything from it: a
 * primary whose own agent is dead is still seen alive through its replicas.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AgentReply(String outcome, String code, String detail, Long lsn, Boolean pgReachable, Boolean inRecovery,
                         Boolean readOnly, Long walLsn, Long replayLsn, Boolean selfFenced, FencingToken highest,
                         String upstream, Long upstreamAgeMs) {
    public static final String OK = "OK";
    public static final String REFUSED = "REFUSED";
    public static final String FAILED = "FAILED";
    /** A mutating request whose token is older than one the agent already acted on. */
    public static final String STALE_TOKEN = "STALE_TOKEN";
    public static final String BAD_REQUEST = "BAD_REQUEST";
    public static final String ACTION_FAILED = "ACTION_FAILED";

    private static final ObjectMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    public static AgentReply ok(String detail, Long lsn) {
        return new AgentReply(OK, null, detail, lsn, null, null, null, null, null, null, null, null, null);
    }

    public static AgentReply refused(String code, String detail, FencingToken highest) {
        return new AgentReply(REFUSED, code, detail, null, null, null, null, null, null, null, highest, null, null);
    }

    public static AgentReply failed(String detail) {
        return new AgentReply(FAILED, ACTION_FAILED, detail, null, null, null, null, null, null, null, null, null, null);
    }

    public boolean ok() {
        return OK.equals(outcome);
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static AgentReply parse(byte[] body) {
        try {
            return JSON.readValue(body, AgentReply.class);
        } catch (IOException e) {
            throw new AgentCall.BadRequest("malformed agent reply: " + AgentCall.firstLine(e.getMessage()));
        }
    }
}
