package olympus.wire;

/**
 * An event that cannot be decoded or built. Unchecked: a bad payload is permanent, so the
 * caller's only sensible move is to dead-letter it with {@link #getMessage()} as the reason.
 */
public final class WireException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final Rejection rejection;
    private final String field;

    public WireException(Rejection rejection, String field, String message) {
        super(message);
        this.rejection = rejection;
        this.field = field;
    }

    public Rejection rejection() {
        return rejection;
    }

    /** The offending field, or null when the payload as a whole is at fault. */
    public String field() {
        return field;
    }

    static WireException missing(String field) {
        return new WireException(Rejection.MISSING_FIELD, field, "field '" + field + "' is missing");
    }

    static WireException invalid(String field, String what) {
        return new WireException(Rejection.INVALID_FIELD, field, "field '" + field + "' " + what);
    }
}
