package olympus.wire;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Every subject, stream, bucket and JetStream domain name the services use, in one place.
 *
 * <p>Layout (see deploy/README.md for why): each region runs its own NATS server with its own
 * JetStream domain, named after the region. An event family spreads through one <em>origin</em>
 * stream per region (captures what that region publishes) and one <em>view</em> stream per
 * region (sources every region's origin stream, its own included). Two streams cannot source
 * each other on nats-server 2.9.10 ("detected cycle"), hence origin/view rather than a mesh.
 * The control plane (leader lease, topology) lives in a separate three-node cluster with its
 * own domain, {@link #CONTROL_DOMAIN}, whose R3 key-value buckets keep a quorum when any one
 * region is lost.
 *
 * <p>Subjects: {@code olympus.<family>.<region>.<kind>}. The region token in the subject is the
 * publishing region; origin streams capture only their own region's subjects, so no two
 * streams ever capture the same message.
 */
public final class Naming {
    private Naming() {}

    /** Region names double as JetStream domain names and subject tokens: keep them simple. */
    public static final Pattern REGION = Pattern.compile("[a-z][a-z0-9-]{0,30}[a-z0-9]");

    public static final String CONTROL_DOMAIN = "control";
    /** Control-plane KV bucket (leader lease, topology, writes state). R3 in the control domain. */
    public static final String CONTROL_BUCKET = "olympus_control";
    /** Latest lag sample per replica, readable from every region. R3 in the control domain. */
    public static final String LAG_BUCKET = "olympus_lag";

    /** Families of events that spread to every region through origin and view streams. */
    public enum Family {
        REVOCATION("revocation"),
        LAG("lag"),
        AUDIT("audit"),
        /** Benchmark traffic (bench/run nats), kept apart from real families. */
        BENCH("bench");

        private final String token;

        Family(String token) {
            this.token = token;
        }

        public String token() {
            return token;
        }

        String streamPrefix() {
            return name();
        }
    }

    public static String requireRegion(String region) {
        if (region == null || !REGION.matcher(region).matches()) {
            throw new IllegalArgumentException("invalid region name '" + region
                    + "': use lower-case letters, digits and '-', 2 to 32 characters, e.g. us-east");
        }
        return region;
    }

    /** JetStream domain of a region's own server. */
    public static String domain(String region) {
        return requireRegion(region);
    }

    /** Subject a region publishes one kind of event of a family on. */
    public static String subject(Family family, String region, String kind) {
        return "olympus." + family.token() + "." + requireRegion(region) + "." + kind;
    }

    /** Every subject of a family published in one region (what its origin stream captures). */
    public static String originSubjects(Family family, String region) {
        return "olympus." + family.token() + "." + requireRegion(region) + ".>";
    }

    /** Every subject of a family, from every region (what a core-NATS subscriber listens to). */
    public static String allSubjects(Family family) {
        return "olympus." + family.token() + ".*.>";
    }

    /** The publishing region of a family subject, or null if the subject is not one. */
    public static String regionOf(String subject) {
        String[] t = subject.split("\\.");
        return t.length >= 4 && t[0].equals("olympus") ? t[2] : null;
    }

    /** The kind token (last token) of a family subject. */
    public static String kindOf(String subject) {
        int i = subject.lastIndexOf('.');
        return i < 0 ? subject : subject.substring(i + 1);
    }

    /** Origin stream of a family in a region; lives in that region's domain. */
    public static String originStream(Family family, String region) {
        return family.streamPrefix() + "_ORIGIN_" + requireRegion(region).toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** View stream of a family; one per region domain, same name in each. */
    public static String viewStream(Family family) {
        return family.streamPrefix() + "_VIEW";
    }

    /** Where a consumer sends a message it cannot process, with the reason in a header. */
    public static String deadLetterSubject(Family family, String region) {
        return "olympus.deadletter." + family.token() + "." + requireRegion(region);
    }

    /**
     * Dead-letter stream of a family in a region's domain: it captures
     * {@link #deadLetterSubject}, so a dead letter is kept (with its reason and the original) and
     * can be read later, not only by whoever listened when it was sent.
     */
    public static String deadLetterStream(Family family) {
        return family.streamPrefix() + "_DEAD";
    }

    /** Header carrying the reason a message was dead-lettered. */
    public static final String DEAD_LETTER_REASON_HEADER = "Olympus-Dead-Letter-Reason";

    /**
     * Request/reply subjects for failover-coordinator commands (SRE tool, automation):
     * {@code olympus.control.cmd.<operator>.<verb>}. Each operator's NATS user may publish only
     * under its own operator token, so the coordinator takes the principal from the subject a
     * command arrived on ({@link #operatorOf}), never from the message.
     */
    public static final String CONTROL_COMMANDS = "olympus.control.cmd.>";
    private static final String CONTROL_PREFIX = "olympus.control.cmd.";

    /** Operator names double as subject tokens and user names: keep them simple. */
    public static final Pattern OPERATOR = Pattern.compile("[a-z][a-z0-9-]{0,30}[a-z0-9]");
    /** NATS user of an operator: {@code sre-<operator>}. */
    public static final String OPERATOR_USER_PREFIX = "sre-";

    public static String requireOperator(String operator) {
        if (operator == null || !OPERATOR.matcher(operator).matches()) {
            throw new IllegalArgumentException("invalid operator name '" + operator
                    + "': use lower-case letters, digits and '-', 2 to 32 characters, e.g. alice");
        }
        return operator;
    }

    public static String controlCommand(String operator, String verb) {
        return CONTROL_PREFIX + requireOperator(operator) + "." + verb;
    }

    /** Every command subject of one operator (what its user may publish). */
    public static String operatorCommands(String operator) {
        return CONTROL_PREFIX + requireOperator(operator) + ".>";
    }

    /** The operator of a command subject, or null when the subject is not {@code olympus.control.cmd.<operator>.<verb>}. */
    public static String operatorOf(String subject) {
        if (!subject.startsWith(CONTROL_PREFIX)) {
            return null;
        }
        String[] t = subject.substring(CONTROL_PREFIX.length()).split("\\.");
        return t.length == 2 && OPERATOR.matcher(t[0]).matches() ? t[0] : null;
    }

    public static String operatorUser(String operator) {
        return OPERATOR_USER_PREFIX + requireOperator(operator);
    }

    /** The operator a NATS user is ({@code sre-alice} is alice), or null for any other user. */
    public static String operatorOfUser(String user) {
        if (user == null || !user.startsWith(OPERATOR_USER_PREFIX)) {
            return null;
        }
        String op = user.substring(OPERATOR_USER_PREFIX.length());
        return OPERATOR.matcher(op).matches() ? op : null;
    }

    /**
     * Request/reply subject of {@code region}'s node agent. Only the coordinators may publish
     * here and only that region's agent may subscribe (NATS permissions).
     */
    public static String agentSubject(String region) {
        return "olympus.agent." + requireRegion(region);
    }

    /** Key prefix of the node agents' heartbeats in {@link #CONTROL_BUCKET}: {@code agent.<region>}. */
    public static final String AGENT_HEARTBEAT_PREFIX = "agent.";

    /** Announcements of a new topology (primary, epoch), core NATS, best-effort fan-out. */
    public static final String TOPOLOGY_ANNOUNCE = "olympus.topology.announce";

    /** JetStream API prefix for a domain, as sourcing and cross-domain clients need it. */
    public static String apiPrefix(String domain) {
        return "$JS." + domain + ".API";
    }

    /** Streams a region's domain holds for a family: its origin and its view. */
    public static List<String> regionStreams(Family family, String region) {
        return List.of(originStream(family, region), viewStream(family));
    }

    /** Stream that backs a KV bucket. */
    public static String kvStream(String bucket) {
        return "KV_" + bucket;
    }
}
