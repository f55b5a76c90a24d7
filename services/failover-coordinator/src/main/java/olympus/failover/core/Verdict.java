package olympus.failover.core;

/** A preflight's answer: go (with the chosen candidate and its measured lag) or refuse, with the reason. */
public record Verdict(boolean ok, String reason, String candidate, Long lagBytes) {
    public static Verdict refuse(String reason) {
        return new Verdict(false, reason, null, null);
    }

    public static Verdict go(String candidate, Long lagBytes, String reason) {
        return new Verdict(true, reason, candidate, lagBytes);
    }
}
