package olympus.revocation.client;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import olympus.revocation.core.Keys;

import java.net.SocketAddress;

/**
 * Tells an embedding deployment, within a millisecond or so, what the bus has just applied in its
 * region (Redis pub/sub on the region's own Redis), so it can drop in-process caches.
 *
 * <pre>{@code
 * AppliedSubscriber sub = AppliedSubscriber.start(RedisClient.create(regionRedisUri), new AppliedSubscriber.Listener() {
 *     public void applied(String kind, String eventId) { localCache.invalidateAll(); }
 *     public void gap() { localCache.invalidateAll(); }   // (re)connected: we may have missed some
 * });
 * }</pre>
 *
 * <p>Guarantee: best-effort only. Pub/sub drops messages on any disconnect, so {@link Listener#gap}
 * is called on every (re)connection and the caller must then treat every cached decision as
 * stale. The durable record is the denylist: an in-process cache must still re-check it (or
 * expire quickly); this is a latency optimisation, not the enforcement path.
 */
public final class AppliedSubscriber implements AutoCloseable {
    public interface Listener {
        void applied(String kind, String eventId);

        void gap();
    }

    private final RedisClient client;
    private final StatefulRedisPubSubConnection<String, String> conn;

    private AppliedSubscriber(RedisClient client, StatefulRedisPubSubConnection<String, String> conn) {
        this.client = client;
        this.conn = conn;
    }

    public static AppliedSubscriber start(RedisClient client, Listener listener) {
        StatefulRedisPubSubConnection<String, String> c = client.connectPubSub();
        c.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                int start = 0;
                while (start < message.length()) {
                    int nl = message.indexOf('\n', start);
                    int end = nl < 0 ? message.length() : nl;
                    int sp = message.indexOf(' ', start);
                    if (sp > start && sp < end) {
                        listener.applied(message.substring(start, sp), message.substring(sp + 1, end));
                    }
                    start = end + 1;
                }
            }
        });
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(io.lettuce.core.RedisChannelHandler<?, ?> connection, SocketAddress addr) {
                if ((Object) connection == c) {
                    listener.gap();
                }
            }
        });
        c.sync().subscribe(Keys.APPLIED_CHANNEL);
        listener.gap();
        return new AppliedSubscriber(client, c);
    }

    @Override
    public void close() {
        conn.close();
    }

    public RedisClient client() {
        return client;
    }
}
