package olympus.agent.core;

import olympus.wire.FencingToken;

/**
 * Whether a mutating request may act, checked on the host where the action happens: never with
 * a token older than the newest this agent has already acted on or seen. A deposed leader (lower
 * term), or a leader acting on an epoch it has since passed, is refused whatever it believes.
 */
public final class FencingGate {
    private FencingGate() {}

    public record Admission(boolean admitted, FencingToken highest, String reason) {}

    /**
     * @param highest the newest token acted on or seen, null before the first
     * @param request the request's token
     */
    public static Admission admit(FencingToken highest, FencingToken request) {
        if (highest == null) {
            return new Admission(true, request, "first token seen: " + request);
        }
        int c = request.compareTo(highest);
        if (c < 0) {
            String why = request.term() < highest.term()
                    ? "term " + request.term() + " is older than term " + highest.term() + " (" + highest.leader()
                      + " has led since): this sender is no longer the leader"
                    : "epoch " + request.epoch() + " is older than epoch " + highest.epoch() + " in the same term";
            return new Admission(false, highest, "stale fencing token " + request + ": " + why + "; nothing done");
        }
        return new Admission(true, c == 0 ? highest : request, c == 0 ? "same token as the last one" : "newer token: " + request);
    }

    /** An epoch read from the control bucket's leader raises the bar too (same term, higher epoch). */
    public static FencingToken seenEpoch(FencingToken highest, long epoch) {
        if (highest == null || epoch <= highest.epoch()) {
            return highest;
        }
        return new FencingToken(highest.term(), epoch, highest.leader());
    }
}
