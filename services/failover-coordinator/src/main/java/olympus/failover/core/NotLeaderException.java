package olympus.failover.core;

/** This coordinator does not hold the lease; {@code leader} says who does (null: nobody right now). */
public class NotLeaderException extends CommandRefusedException {
    private final String leader;

    public NotLeaderException(String leader) {
        super(leader == null ? "no coordinator holds the leader lease right now (control KV unreachable or election in progress); retry"
                : "not the leader: send the command to the leader " + leader);
        this.leader = leader;
    }

    public String leader() {
        return leader;
    }
}
