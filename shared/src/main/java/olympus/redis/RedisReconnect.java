package olympus.redis;

import io.lettuce.core.resource.Delay;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * How soon the services' Redis connections try again after losing Redis. Lettuce's default
 * backoff doubles up to 30 s, so a connection that failed a few times while Redis restarted could
 * wait seconds after Redis was back, answering checks UNKNOWN (fail closed) all that time: seen
 * in RebuildIT, where the denylist was rebuilt but a check still failed right after. Redis is
 * local to each region, so trying again within a second costs nothing.
 */
public final class RedisReconnect {
    private RedisReconnect() {}

    /** 10 ms, doubling, at most 1 s between attempts. */
    public static Delay delay() {
        return Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS);
    }
}
