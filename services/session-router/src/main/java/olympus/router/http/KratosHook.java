package olympus.router.http;

import olympus.auth.BearerTokens;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Ory Kratos' {@code web_hook} action after a settings or recovery flow: the body and its
 * authentication. Pure (no I/O), table-tested in {@code KratosHookTest}.
 *
 * <p>Kratos sends whatever the hook's Jsonnet template renders from {@code ctx} (Ory's "Trigger
 * custom logic and integrate with external systems with webhooks" page,
 * https://www.ory.sh/docs/guides/integrate-with-ory-cloud-through-webhooks, source ory/docs
 * {@code docs/guides/integrate-with-ory-cloud-through-webhooks.mdx}: {@code ctx} binds {@code flow},
 * {@code request_headers}, {@code request_method}, {@code request_url} and, after a flow,
 * {@code identity}; Kratos' {@code selfservice/hook/web_hook.go}: the settings post-persist hook
 * also binds {@code session}, the recovery one only {@code identity}). The template this endpoint
 * expects (README, {@code deploy/ory/olympus-write-marker.jsonnet}):
 *
 * <pre>
 * function(ctx) {
 *   identity_id: ctx.identity.id,
 *   [if std.objectHas(ctx, 'session') &amp;&amp; ctx.session != null then 'session_id']: ctx.session.id,
 *   flow_id: ctx.flow.id,
 * }
 * </pre>
 *
 * <p>Fields: {@code identity_id} (required: the user whose reads must see the change),
 * {@code session_id} (optional: that session is marked too), {@code flow_id} (optional, logged),
 * {@code regions} (optional: more regions to mark, as in {@code POST /v1/writes}). Unknown fields are
 * refused: the template is ours, and a misspelt {@code sesion_id} must not silently mark nothing.
 */
public final class KratosHook {
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final Set<String> FIELDS = Set.of("identity_id", "session_id", "flow_id", "regions");

    private KratosHook() {}

    /** A settings/recovery change to mark: the ids are checked as every id of the API is. */
    public record Change(String identityId, String sessionId, String flowId, List<String> regions) {}

    /** @throws BadRequestException naming the field */
    public static Change parse(byte[] body) {
        if (body == null || body.length == 0) {
            throw new BadRequestException(null, "request body is empty: the web_hook's Jsonnet body must render "
                    + "{\"identity_id\": ctx.identity.id, ...}");
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(body);
        } catch (IOException e) {
            String d = e instanceof JsonProcessingException j ? String.valueOf(j.getOriginalMessage()) : String.valueOf(e.getMessage());
            throw new BadRequestException(null, "request body is not valid JSON: " + (d.length() > 160 ? d.substring(0, 160) + "..." : d));
        }
        if (root == null || !root.isObject()) {
            throw new BadRequestException(null, "request body must be a JSON object, e.g. {\"identity_id\": \"...\"}");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                String shown = f.length() > 64 ? f.substring(0, 64) + "..." : f;
                throw new BadRequestException(shown.replaceAll("\\p{Cntrl}", "?"), "unknown field '" + shown.replaceAll("\\p{Cntrl}", "?")
                        + "'; fields are " + FIELDS.stream().sorted().toList());
            }
        }
        String identity = RouterController.id("identity_id", text(root, "identity_id"));
        if (identity == null) {
            throw new BadRequestException("identity_id", "identity_id is required (ctx.identity.id in the Jsonnet body)");
        }
        String session = RouterController.id("session_id", text(root, "session_id"));
        String flow = RouterController.id("flow_id", text(root, "flow_id"));
        List<String> regions = null;
        JsonNode r = root.get("regions");
        if (r != null && !r.isNull()) {
            if (!r.isArray()) {
                throw new BadRequestException("regions", "regions must be an array of region names");
            }
            regions = new ArrayList<>();
            for (JsonNode e : r) {
                if (!e.isTextual()) {
                    throw new BadRequestException("regions", "regions must be an array of region names");
                }
                regions.add(e.textValue());
            }
        }
        return new Change(identity, session, flow, regions);
    }

    private static String text(JsonNode n, String f) {
        JsonNode v = n.get(f);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new BadRequestException(f, f + " must be a string");
        }
        return v.textValue();
    }

    /**
     * Bearer tokens from {@code router.hook-tokens} (blank entries dropped, each stripped),
     * compared in constant time. An empty list allows nobody: the hook marks writes for any
     * identity it is told of.
     */
    public static BearerTokens tokens(List<String> configured) {
        return new BearerTokens(BearerTokens.clean(configured), false);
    }
}
