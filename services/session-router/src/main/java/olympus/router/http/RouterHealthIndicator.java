package olympus.router.http;

import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.AbstractHealthIndicator;
import jakarta.inject.Singleton;
import olympus.router.config.RouterConfiguration;
import olympus.router.core.ReplicaLag;
import olympus.router.core.Router;
import olympus.router.core.RoutingState;
import olympus.router.core.RoutingView;
import olympus.router.nats.NatsFeeds;
import olympus.router.redis.MarkerStore;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code /health} detail "router": the router always answers (it fails safe, to the primary), so
 * a degraded input makes it DEGRADED (HTTP 200, still operational) with the cause spelled out:
 * markers unavailable, lag feed stale, topology not read. Only an unconnected NATS client is DOWN.
 */
@Singleton
public class RouterHealthIndicator extends AbstractHealthIndicator<Map<String, Object>> {
    static final HealthStatus DEGRADED = new HealthStatus("DEGRADED",
            "answering, but some reads go to the primary only because an input is missing", true, 1);

    private final RoutingState state;
    private final MarkerStore markers;
    private final NatsFeeds feeds;
    private final Router router;
    private final RouterConfiguration cfg;
    private final Clock clock;

    public RouterHealthIndicator(RoutingState state, MarkerStore markers, NatsFeeds feeds, Router router,
                                 RouterConfiguration cfg, Clock clock) {
        this.state = state;
        this.markers = markers;
        this.feeds = feeds;
        this.router = router;
        this.cfg = cfg;
        this.clock = clock;
    }

    @Override
    protected Map<String, Object> getHealthInformation() {
        Map<String, Object> d = new LinkedHashMap<>();
        RoutingView v = state.view();
        Instant now = clock.instant();
        boolean degraded = false;
        d.put("region", v.localRegion());
        d.put("primary", v.topology().primary());
        d.put("epoch", v.topology().epoch());
        d.put("topologyKnown", v.topology().known());
        if (!v.topology().known()) {
            degraded = true;
            d.put("topology", "not read yet: writes answer HOLD/TOPOLOGY_UNKNOWN");
        }
        if (feeds.lastControlError() != null) {
            d.put("controlDomain", "unreachable: " + feeds.lastControlError());
        }
        boolean redisUp = markers.localUp();
        d.put("markers", redisUp ? "UP" : "DOWN: reads with a user or session go to the primary (MARKERS_UNAVAILABLE); "
                + markers.localError());
        degraded |= !redisUp;
        if (!markers.remoteRegions().isEmpty()) {
            d.put("remoteMarkers", markers.remoteUp());
        }
        if (!v.localRegion().equals(v.topology().primary()) && v.topology().replicas().contains(v.localRegion())) {
            ReplicaLag l = v.lag().get(v.localRegion());
            if (l == null) {
                degraded = true;
                d.put("lagFeed", "no sample for " + v.localRegion() + ": reads go to the primary (LAG_UNKNOWN)");
            } else {
                long age = Duration.between(l.sampledAt(), now).toMillis();
                boolean stale = age > cfg.maxSampleAge().toMillis();
                degraded |= stale;
                d.put("lagFeed", (stale ? "STALE: reads go to the primary (LAG_FEED_STALE); " : "") + "state " + l.state()
                        + ", newest sample " + age + " ms old");
            }
        }
        d.put("guardRefused", router.guard().refused());
        d.put("natsConnected", feeds.connected());
        healthStatus = !feeds.connected() ? HealthStatus.DOWN : degraded ? DEGRADED : HealthStatus.UP;
        return d;
    }

    @Override
    protected String getName() {
        return "router";
    }
}
