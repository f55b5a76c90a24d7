package olympus.router;

import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;
import olympus.router.config.RouterConfiguration;
import olympus.router.core.MarkerLimits;
import olympus.router.core.PrimaryGuard;
import olympus.router.core.Router;
import olympus.router.core.RoutingPolicy;
import olympus.router.core.RoutingState;

import java.time.Clock;
import java.util.HashSet;

/** Wires the pure core from configuration. */
@Factory
public class RouterFactory {
    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }

    @Singleton
    RoutingState routingState(RouterConfiguration cfg) {
        if (!cfg.regions().contains(cfg.region())) {
            throw new IllegalArgumentException("router.region " + cfg.region() + " is not one of router.regions " + cfg.regions());
        }
        return new RoutingState(cfg.region(), cfg.regions(), cfg.primaryRegion());
    }

    @Singleton
    Router router(RouterConfiguration cfg) {
        RoutingPolicy p = new RoutingPolicy(cfg.maxSampleAge(), cfg.writeWindow(), cfg.freshSessionWindow(),
                new HashSet<>(cfg.pinnedOperations()), cfg.holdRetry());
        return new Router(p, new PrimaryGuard(cfg.guardRate(), cfg.guardBurst()));
    }

    @Singleton
    MarkerLimits markerLimits(RouterConfiguration cfg) {
        return new MarkerLimits(cfg.markerRate(), cfg.markerBurst());
    }
}
