package olympus.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.EventLoopGroupProvider;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Read-path Redis connections that live on the HTTP server's own event loops, one per loop, so a
 * request's lookup is written, answered and turned into the HTTP response on one thread:
 * no hand-off between the server's loop and a Redis I/O thread in either direction. On a
 * 2-core machine those two wake-ups per request cost more CPU than the lookup itself.
 *
 * <p>Lettuce registers each new connection on {@code group.next()}; the loops are discovered by
 * asking each connection which thread answers it, and connections are opened until every loop has
 * one (bounded). A request on a thread without one (not a server loop) uses the fallback.
 */
public final class LoopAffineReaders implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LoopAffineReaders.class);

    private final ClientResources resources;
    private final RedisClient client;
    private final List<StatefulRedisConnection<String, String>> connections = new ArrayList<>();
    private final Map<Thread, LoopConnection> byThread;

    /**
     * A connection owned by one loop thread. Auto-flush is off: lookups issued while the loop
     * handles one batch of ready sockets are written to Redis together by one task queued behind
     * them, so under load one write (and one reply read) carries several lookups. Only the
     * owning thread touches {@code flushQueued}.
     */
    public static final class LoopConnection {
        final StatefulRedisConnection<String, String> conn;
        final RedisAsyncCommands<String, String> cmd;
        final EventExecutor loop;
        private boolean flushQueued;
        private final Runnable flush;

        LoopConnection(StatefulRedisConnection<String, String> conn, EventExecutor loop) {
            this.conn = conn;
            this.cmd = conn.async();
            this.loop = loop;
            this.flush = () -> {
                flushQueued = false;
                conn.flushCommands();
            };
        }

        public RedisAsyncCommands<String, String> commands() {
            return cmd;
        }

        /** False while it reconnects: after a Redis restart each connection backs off on its own schedule. */
        public boolean isOpen() {
            return conn.isOpen();
        }

        /** Call after issuing a command on the owning thread. */
        public void flushSoon() {
            if (!flushQueued) {
                flushQueued = true;
                loop.execute(flush);
            }
        }
    }

    public LoopAffineReaders(EventLoopGroup group, RedisClients.Endpoint redis, Duration timeout) {
        int loops = 0;
        for (EventExecutor ignored : group) {
            loops++;
        }
        int size = loops;
        this.resources = RedisResources.builder().eventLoopGroupProvider(new EventLoopGroupProvider() {
            @Override
            @SuppressWarnings("unchecked")
            public <T extends EventLoopGroup> T allocate(Class<T> type) {
                return (T) group;
            }

            @Override
            public int threadPoolSize() {
                return size;
            }

            @Override
            public Future<Boolean> release(EventExecutorGroup eventLoopGroup, long quietPeriod, long timeout, TimeUnit unit) {
                // The server owns these loops: never shut them down from here.
                return ImmediateEventExecutor.INSTANCE.newSucceededFuture(true);
            }

            @Override
            public Future<Boolean> shutdown(long quietPeriod, long timeout, TimeUnit timeUnit) {
                return ImmediateEventExecutor.INSTANCE.newSucceededFuture(true);
            }
        }).computationThreadPoolSize(1).build();
        this.client = RedisClients.create(resources, redis, RedisClients.failFast(timeout));
        Map<Thread, LoopConnection> m = new HashMap<>();
        for (int i = 0; i < loops * 3 && m.size() < loops; i++) {
            StatefulRedisConnection<String, String> c = client.connect();
            Thread owner;
            try {
                owner = c.async().ping().thenApply(p -> Thread.currentThread()).toCompletableFuture().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                c.close();
                throw new IllegalStateException("cannot place a Redis connection on a server loop: " + e, e);
            }
            EventExecutor loop = null;
            for (EventExecutor e : group) {
                if (e.inEventLoop(owner)) {
                    loop = e;
                }
            }
            if (m.containsKey(owner) || loop == null) {
                c.close();
            } else {
                c.setAutoFlushCommands(false);
                m.put(owner, new LoopConnection(c, loop));
                connections.add(c);
            }
        }
        this.byThread = Map.copyOf(m);
        LOG.info("read-path redis connections on {} of {} server event loops", byThread.size(), loops);
    }

    /** The connection on the calling thread's loop, or null when the caller is not on one. */
    public LoopConnection forCurrentThread() {
        return byThread.get(Thread.currentThread());
    }

    @Override
    public void close() {
        connections.forEach(StatefulRedisConnection::close);
        client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        resources.shutdown(0, 1, TimeUnit.SECONDS);
    }
}
