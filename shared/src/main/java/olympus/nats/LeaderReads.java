package olympus.nats;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.Message;
import olympus.wire.Naming;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

/**
 * Reads a key of the control bucket from its stream's leader ({@code STREAM.MSG.GET}, answered by
 * the leader only). NATS 2.9 serves a KV get by direct get from any replica, and a control node
 * that was cut off answers it, right after the heal, with what it had before (PartitionIT saw a
 * coordinator read "primary us-east, epoch 9" 0.7 s after eu-west was promoted at epoch 10). A
 * decision that must not act on a stale value reads here. The coordinator and the node agent
 * both do.
 */
public final class LeaderReads {
    private LeaderReads() {}

    /** How long a leaderless control stream (503 right after a heal) is retried before the read fails. */
    public static final Duration LEADERLESS_RETRY = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The key's last entry: its value (null for a delete or purge marker) and its stream sequence (the KV revision). */
    public record Entry(byte[] value, long revision) {}

    /** Null when the key was never written. */
    public static Entry last(Connection nc, String key, Duration timeout, Duration leaderlessRetry) throws IOException, InterruptedException {
        String api = "$JS." + Naming.CONTROL_DOMAIN + ".API.STREAM.MSG.GET." + Naming.kvStream(Naming.CONTROL_BUCKET);
        byte[] body = JSON.writeValueAsBytes(Map.of("last_by_subj", "$KV." + Naming.CONTROL_BUCKET + "." + key));
        // Right after a heal the bucket's stream may be between leaders for a moment and answers
        // 503 "JetStream system temporarily unavailable": that one is retried for up to
        // leaderlessRetry; any other error fails at once.
        long deadline = System.nanoTime() + leaderlessRetry.toNanos();
        while (true) {
            Message reply = nc.request(api, body, timeout);
            if (reply == null) {
                throw new IOException("no answer from the control bucket's stream leader within " + timeout.toMillis() + " ms");
            }
            JsonNode n = JSON.readTree(reply.getData());
            JsonNode msg = n.path("message");
            if (!n.has("error")) {
                long seq = msg.path("seq").asLong();
                String hdrs = msg.path("hdrs").asText("");
                if (!hdrs.isEmpty() && new String(Base64.getDecoder().decode(hdrs), StandardCharsets.UTF_8).contains("KV-Operation")) {
                    return new Entry(null, seq);
                }
                return new Entry(Base64.getDecoder().decode(msg.path("data").asText("")), seq);
            }
            int code = n.path("error").path("code").asInt();
            if (code == 404) {
                return null;
            }
            boolean leaderless = code == 503;
            if (!leaderless || System.nanoTime() > deadline) {
                throw new IOException("the control bucket's stream leader did not return '" + key + "': " + n.path("error")
                        + (leaderless ? " (still after " + leaderlessRetry.toMillis() + " ms: is a majority of the control nodes reachable?)" : ""));
            }
            Thread.sleep(200);
        }
    }
}
