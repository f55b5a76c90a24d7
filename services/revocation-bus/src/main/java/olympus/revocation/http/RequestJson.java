package olympus.revocation.http;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import olympus.revocation.core.RevocationRequest;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Reads ingest bodies (HTTP and NATS): one revocation object, a JSON array of them, or
 * {@code {"revocations": [...]}}. Strict: unknown fields, duplicate keys and trailing bytes are
 * refused, since a misspelt field ("sessionid") silently ignored would revoke the wrong thing or
 * nothing. Instants are ISO-8601 strings or JWT NumericDate seconds.
 */
public final class RequestJson {
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final Set<String> FIELDS = Set.of("kind", "eventId", "jti", "tokenHash", "sessionId", "subject",
            "clientId", "issuedBefore", "revokedAt", "keepUntil", "reason");

    private final int maxEvents;

    public RequestJson(int maxEvents) {
        this.maxEvents = maxEvents;
    }

    public List<RevocationRequest> parse(byte[] body) {
        if (body == null || body.length == 0) {
            throw new BadRequestException("MALFORMED_JSON", null, null, "request body is empty");
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(body);
        } catch (IOException e) {
            String detail = e instanceof com.fasterxml.jackson.core.JsonProcessingException j
                    ? String.valueOf(j.getOriginalMessage()) : String.valueOf(e.getMessage());
            throw new BadRequestException("MALFORMED_JSON", null, null, "request body is not valid JSON: "
                    + (detail.length() > 160 ? detail.substring(0, 160) + "..." : detail));
        }
        if (root == null || root.isMissingNode()) {
            throw new BadRequestException("MALFORMED_JSON", null, null, "request body is empty");
        }
        if (root.isObject() && root.has("revocations")) {
            if (root.size() != 1) {
                throw new BadRequestException("INVALID_FIELD", null, null,
                        "a batch object holds only 'revocations' (an array)");
            }
            root = root.get("revocations");
            if (!root.isArray()) {
                throw new BadRequestException("INVALID_FIELD", "revocations", null, "field 'revocations' must be an array");
            }
        }
        List<RevocationRequest> out = new ArrayList<>();
        if (root.isArray()) {
            if (root.isEmpty()) {
                throw new BadRequestException("INVALID_FIELD", "revocations", null, "the batch is empty");
            }
            if (root.size() > maxEvents) {
                throw new BadRequestException("TOO_LARGE", "revocations", null, "the batch holds " + root.size()
                        + " revocations, over the limit of " + maxEvents + ": split it");
            }
            for (int i = 0; i < root.size(); i++) {
                out.add(one(root.get(i), i));
            }
        } else {
            out.add(one(root, null));
        }
        return out;
    }

    private static RevocationRequest one(JsonNode n, Integer index) {
        if (!n.isObject()) {
            throw new BadRequestException("NOT_AN_OBJECT", null, index, "a revocation must be a JSON object, got "
                    + n.getNodeType().name().toLowerCase());
        }
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                throw new BadRequestException("INVALID_FIELD", clip(f), index, "unknown field '" + clip(f)
                        + "'; fields are " + FIELDS.stream().sorted().toList());
            }
        }
        return new RevocationRequest(text(n, "kind", index), text(n, "eventId", index), text(n, "jti", index),
                text(n, "tokenHash", index), text(n, "sessionId", index), text(n, "subject", index),
                text(n, "clientId", index), instant(n, "issuedBefore", index), instant(n, "revokedAt", index),
                instant(n, "keepUntil", index), text(n, "reason", index));
    }

    private static String text(JsonNode n, String f, Integer index) {
        JsonNode v = n.get(f);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new BadRequestException("INVALID_FIELD", f, index, "field '" + f + "' must be a string");
        }
        return v.textValue();
    }

    static Instant instant(JsonNode n, String f, Integer index) {
        JsonNode v = n.get(f);
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isIntegralNumber() && v.canConvertToLong()) {
            long s = v.longValue();
            if (s < 0 || s > 32503680000L) {
                throw new BadRequestException("INVALID_FIELD", f, index, "field '" + f + "' is out of range: " + s);
            }
            return Instant.ofEpochSecond(s);
        }
        if (v.isTextual()) {
            try {
                return Instant.parse(v.textValue());
            } catch (DateTimeParseException e) {
                throw new BadRequestException("INVALID_FIELD", f, index, "field '" + f
                        + "' is not an ISO-8601 instant (e.g. 2026-01-31T12:00:00Z): '" + clip(v.textValue()) + "'");
            }
        }
        throw new BadRequestException("INVALID_FIELD", f, index, "field '" + f
                + "' must be an ISO-8601 string or epoch seconds");
    }

    static String clip(String s) {
        String t = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return t.replaceAll("\\p{Cntrl}", "?");
    }
}
