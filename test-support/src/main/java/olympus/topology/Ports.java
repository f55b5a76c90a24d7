package olympus.topology;

/**
 * Every port of a local topology, derived from one base port so that several topologies (an
 * operator's demo, a test run, a benchmark) can run side by side without colliding. Never the
 * machine's defaults (4222, 5432, 6379, 6432).
 *
 * <pre>
 * base + 10*i + 0..9   region i: nats, nats-monitor, control, control-route, control-leaf,
 *                      control-monitor, redis, postgres, pgbouncer, (never used)
 * base + 200 + 10*i    region i's service HTTP ports: +0 revocation-bus, +1 lag-monitor,
 *                      +2 session-router, +3 failover-coordinator, +4 node-agent
 * base + 399           link daemon control port
 * base + 400 + ...     inter-region links, one listener per (from, to, kind)
 * </pre>
 */
public record Ports(int base) {
    public static final int MAX_REGIONS = 8;
    /** Witness control nodes use region slots after the last region, so allow for them. */
    static final int MAX_NODES = 10;
    public static final int SPAN = 400 + MAX_NODES * MAX_NODES * LinkKind.values().length + 1;

    public int nats(int i) { return base + 10 * i; }
    public int natsMonitor(int i) { return base + 10 * i + 1; }
    public int control(int i) { return base + 10 * i + 2; }
    public int controlRoute(int i) { return base + 10 * i + 3; }
    public int controlLeaf(int i) { return base + 10 * i + 4; }
    public int controlMonitor(int i) { return base + 10 * i + 5; }
    public int redis(int i) { return base + 10 * i + 6; }
    public int postgres(int i) { return base + 10 * i + 7; }
    public int pgbouncer(int i) { return base + 10 * i + 8; }
    /** Never listened on: what control nodes advertise for route gossip (see LocalTopology.natsControlNode). */
    public int unused(int i) { return base + 10 * i + 9; }

    public int revocationBusHttp(int i) { return base + 200 + 10 * i; }
    public int lagMonitorHttp(int i) { return base + 200 + 10 * i + 1; }
    public int sessionRouterHttp(int i) { return base + 200 + 10 * i + 2; }
    public int failoverCoordinatorHttp(int i) { return base + 200 + 10 * i + 3; }
    public int nodeAgentHttp(int i) { return base + 200 + 10 * i + 4; }

    public int linkControl() { return base + 399; }

    /** Listener in region {@code from} that forwards to {@code kind}'s port in region {@code to}. */
    public int link(int from, int to, LinkKind kind) {
        return base + 400 + (from * MAX_NODES + to) * LinkKind.values().length + kind.ordinal();
    }

    /** What crosses between regions, each through its own cuttable link. */
    public enum LinkKind {
        /** control cluster routes (the R3 quorum) */
        ROUTE,
        /** a region's NATS server to another region's control node, when its own is down */
        LEAF,
        /** PostgreSQL: streaming replication and PgBouncer's server connections to a remote primary */
        POSTGRES
    }
}
