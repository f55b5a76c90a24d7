package olympus.failover.core;

/** A compare-and-set on the topology lost: someone else changed it since we read it. */
public class StaleTopologyException extends RuntimeException {
    public StaleTopologyException(String message) {
        super(message);
    }
}
