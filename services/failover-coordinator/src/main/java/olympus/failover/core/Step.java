package olympus.failover.core;

/** One timed step of a command, as reported live and audited. */
public record Step(String commandId, int seq, String name, String status, long millis, String detail) {
    public static final String OK = "OK";
    public static final String FAILED = "FAILED";
}
