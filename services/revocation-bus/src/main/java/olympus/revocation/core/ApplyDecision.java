package olympus.revocation.core;

/**
 * Outcome of planning one event from the view stream. Every outcome acks or terms the message;
 * none leaves it to be redelivered forever.
 */
public record ApplyDecision(Outcome outcome, Mutation mutation, String reason) {
    public enum Outcome {
        /** Write the mutation to Redis, then ack. */
        APPLY,
        /** keep-until has passed: the token is refused as expired anyway, so ack without writing. */
        SKIP_EXPIRED,
        /** Cannot be decoded or is not a revocation: dead-letter with the reason, then term. */
        POISON
    }

    public static ApplyDecision apply(Mutation m, String reason) {
        return new ApplyDecision(Outcome.APPLY, m, reason);
    }

    public static ApplyDecision skip(Outcome o, String reason) {
        return new ApplyDecision(o, null, reason);
    }

    /** Short label for metrics: one of applied, expired, poison. */
    public String label() {
        return switch (outcome) {
            case APPLY -> "apply";
            case SKIP_EXPIRED -> "expired";
            case POISON -> "poison";
        };
    }
}
