package olympus.topology;

/** A topology operation failed; the message says what and, where it can, what to do. */
public class TopologyException extends RuntimeException {
    public TopologyException(String message) {
        super(message);
    }

    public TopologyException(String message, Throwable cause) {
        super(message, cause);
    }
}
