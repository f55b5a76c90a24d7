package olympus.redis;

import io.lettuce.core.metrics.CommandLatencyRecorder;
import io.lettuce.core.resource.DefaultClientResources;

/**
 * Lettuce client resources as every service builds them: fast reconnects (RedisReconnect) and no
 * per-command latency recording. Lettuce records every command's latency whenever HdrHistogram
 * and LatencyUtils happen to be on the class path, wrapping each command in a
 * LatencyMeteredCommand and adding to a histogram nobody reads (the services export their own
 * meters, not Lettuce's). Whether it ran depended on the class path: it did in the benchmarks,
 * which start services on their test class path, where the router's read path spent ~1% of its
 * allocations on it (async-profiler, alloc mode, 2026-11-28). Off, always, so deployment and
 * benchmark run the same code.
 */
public final class RedisResources {
    private RedisResources() {}

    public static DefaultClientResources.Builder builder() {
        return DefaultClientResources.builder()
                .reconnectDelay(RedisReconnect.delay())
                .commandLatencyRecorder(CommandLatencyRecorder.disabled());
    }
}
