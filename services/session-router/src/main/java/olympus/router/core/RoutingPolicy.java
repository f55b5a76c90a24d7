package olympus.router.core;

import java.time.Duration;
import java.util.Set;

/**
 * The knobs of the read decision (documented with their trade-offs in RouterConfiguration).
 *
 * @param maxSampleAge       a lag sample older than this is stale: reads go to the primary
 * @param writeWindow        how long a write marker without an LSN sends the key to the primary
 * @param freshSessionWindow how long a fresh-session marker without an LSN does the same
 * @param pinnedOperations   operations that always read the primary
 * @param holdRetry          retry-after for held writes when the pause has no deadline
 */
public record RoutingPolicy(Duration maxSampleAge, Duration writeWindow, Duration freshSessionWindow,
                            Set<String> pinnedOperations, Duration holdRetry) {
    public RoutingPolicy {
        pinnedOperations = Set.copyOf(pinnedOperations);
    }
}
