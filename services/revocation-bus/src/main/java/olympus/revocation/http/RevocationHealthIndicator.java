package olympus.revocation.http;

import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import io.nats.client.Connection;
import jakarta.inject.Singleton;
import olympus.revocation.RevocationBus;
import olympus.revocation.core.Keys;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * /health: DOWN when Redis or NATS is unreachable (checks then fail closed, ingest fails);
 * details show the denylist state (ready / rebuilding / empty) and the consumer's pending count,
 * so a region that is falling behind is visible before anyone is let in who should not be.
 */
@Singleton
public final class RevocationHealthIndicator implements HealthIndicator {
    private final RevocationBus bus;

    public RevocationHealthIndicator(RevocationBus bus) {
        this.bus = bus;
    }

    @Override
    public Publisher<HealthResult> getResult() {
        return Mono.fromCallable(this::assess);
    }

    HealthResult assess() {
        Map<String, Object> d = new LinkedHashMap<>();
        boolean redisUp = bus.redis().ping();
        boolean natsUp = bus.nats().getStatus() == Connection.Status.CONNECTED;
        d.put("region", bus.config().region());
        d.put("redis", redisUp ? "UP" : "DOWN");
        d.put("nats", String.valueOf(bus.nats().getStatus()));
        String state;
        try {
            state = redisUp ? bus.redis().state() : null;
        } catch (Exception e) {
            state = null;
        }
        d.put("denylist", state == null ? "empty (rebuild pending)" : state.startsWith(Keys.REBUILDING_PREFIX) ? "rebuilding" : state);
        d.put("consumerPending", bus.metrics().consumerPending());
        d.put("consumerInfoFresh", bus.consumerInfoFresh());
        return HealthResult.builder("revocation-bus", redisUp && natsUp ? HealthStatus.UP : HealthStatus.DOWN)
                .details(d).build();
    }
}
