package olympus.revocation.core;

/**
 * What the denylist's apply script did with one event of a batch. Each event runs under its own
 * protected call in the script, so one event Redis refuses (a corrupt key of the wrong type, an
 * out-of-range value) fails alone and the events beside it are written.
 *
 * @param error Redis' error for this event, only when {@code status} is FAILED
 */
public record Written(Status status, String error) {
    public enum Status {
        /** Written now. */
        APPLIED,
        /** Its event id was applied before: nothing written. */
        DUPLICATE,
        /** Redis refused it; {@link Failures#classifyReply} says whether retrying can help. */
        FAILED
    }

    public static final Written APPLIED = new Written(Status.APPLIED, null);
    public static final Written DUPLICATE = new Written(Status.DUPLICATE, null);

    public static Written failed(String error) {
        return new Written(Status.FAILED, error == null ? "unknown Redis error" : error);
    }
}
