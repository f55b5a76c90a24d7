package olympus.revocation.http;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import olympus.revocation.core.CheckAssessor;
import olympus.revocation.core.Verdict;

import java.nio.charset.StandardCharsets;

/**
 * The check endpoint's JSON, written directly: the same document Micronaut Serialization makes of
 * {@link olympus.revocation.api.Replies.CheckReply} and {@code ErrorReply} (fields in declaration
 * order, nulls omitted), without the per-request serializer lookup and buffer management. The
 * most common answer ("not revoked", nothing matched) is one constant array.
 */
final class CheckJson {
    private CheckJson() {}

    static final byte[] UNAUTHORIZED = error(RevocationController.UNAUTHENTICATED, "Authorization", "UNAUTHENTICATED");
    private static final byte[] NOT_REVOKED_NO_MATCH = build(new Verdict(Verdict.Status.NOT_REVOKED,
            CheckAssessor.NO_MATCH, null, null));

    static byte[] verdict(Verdict v) {
        if (v.status() == Verdict.Status.NOT_REVOKED && v.matched() == null && v.eventId() == null
                && CheckAssessor.NO_MATCH.equals(v.reason())) {
            return NOT_REVOKED_NO_MATCH;
        }
        return build(v);
    }

    static byte[] build(Verdict v) {
        StringBuilder b = new StringBuilder(160);
        b.append("{\"status\":\"").append(v.status().name()).append("\",\"revoked\":")
                .append(v.status() != Verdict.Status.NOT_REVOKED);
        field(b, "reason", v.reason());
        field(b, "matched", v.matched());
        field(b, "eventId", v.eventId());
        return b.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    static byte[] error(String message, String field) {
        return error(message, field == null || field.isEmpty() ? null : field, "INVALID_FIELD");
    }

    private static byte[] error(String message, String field, String rejection) {
        StringBuilder b = new StringBuilder(160).append("{\"error\":\"");
        JsonStringEncoder.getInstance().quoteAsString(message, b);
        b.append('"');
        field(b, "field", field);
        field(b, "rejection", rejection);
        return b.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void field(StringBuilder b, String name, String value) {
        if (value != null) {
            b.append(",\"").append(name).append("\":\"");
            JsonStringEncoder.getInstance().quoteAsString(value, b);
            b.append('"');
        }
    }
}
