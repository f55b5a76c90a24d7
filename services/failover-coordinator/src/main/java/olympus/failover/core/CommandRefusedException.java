package olympus.failover.core;

/** A command that will not run, with the reason shown to the operator and audited. */
public class CommandRefusedException extends RuntimeException {
    private final String field;

    public CommandRefusedException(String reason) {
        this(null, reason);
    }

    public CommandRefusedException(String field, String reason) {
        super(reason);
        this.field = field;
    }

    /** The request field at fault, for bad input; null otherwise. */
    public String field() {
        return field;
    }
}
