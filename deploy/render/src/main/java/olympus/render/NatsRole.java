package olympus.render;

import olympus.wire.Naming;
import olympus.wire.Naming.Family;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One NATS user per role, with the subjects that role needs and nothing more. Authority comes
 * from these permissions, never from a field inside a message: a session-router cannot publish a
 * revocation or write the control KV because the server refuses it, whatever it sends.
 *
 * <p>Streams and buckets are provisioned by the deployment ({@link #ADMIN}); services get the
 * JetStream API calls that use them (info, consumers, direct get), not create or delete.
 */
public enum NatsRole {
    REVOCATION_BUS("revocation-bus"),
    LAG_MONITOR("lag-monitor"),
    SESSION_ROUTER("session-router"),
    FAILOVER_COORDINATOR("failover-coordinator"),
    /**
     * One user per region, {@code node-agent-REGION} ({@link #user(String)}): only it may take
     * requests on that region's agent subject, and it may write only its own heartbeat key.
     */
    NODE_AGENT("node-agent"),
    SRE("sre"),
    OBSERVER("observer"),
    /** Internal publishers of revocations (Hydra/Athena hooks): the revocation-bus's NATS ingest only. */
    REVOCATION_CLIENT("revocation-client"),
    /** Provisions streams and buckets; used by the deployment tooling only. */
    ADMIN("admin"),
    /** Leaf node connections from each region's server into the control cluster. */
    LEAF("leaf"),
    /** Control cluster route authentication. */
    ROUTE("route");

    private final String user;

    NatsRole(String user) {
        this.user = user;
    }

    public String user() {
        return user;
    }

    /** The user this role has in {@code region}: per region for the node agent, the same everywhere for the others. */
    public String user(String region) {
        return this == NODE_AGENT ? user + "-" + Naming.requireRegion(region) : user;
    }

    /** Permissions of this role's user in {@code region} (only the node agent's depend on it). */
    public Permissions permissions(List<String> regions, String region) {
        if (this != NODE_AGENT) {
            return permissions(regions);
        }
        Set<String> pub = new LinkedHashSet<>();
        Set<String> sub = new LinkedHashSet<>();
        sub.add("_INBOX.>");
        sub.add(Naming.agentSubject(region));
        pub.add("_INBOX.>");
        String control = Naming.kvStream(Naming.CONTROL_BUCKET);
        jsRead(pub, control);
        // Its heartbeat, the proof it reaches the control quorum: its own key, nothing else.
        String key = Naming.CONTROL_BUCKET + "." + Naming.AGENT_HEARTBEAT_PREFIX + region;
        pub.add("$KV." + key);
        pub.add("$JS.*.API.$KV." + key);
        jsAccountInfo(pub);
        return new Permissions(new ArrayList<>(pub), new ArrayList<>(sub));
    }

    /** Roles that are client users of the OLYMPUS account (not LEAF/ROUTE plumbing). */
    public static List<NatsRole> clientRoles() {
        return List.of(REVOCATION_BUS, LAG_MONITOR, SESSION_ROUTER, FAILOVER_COORDINATOR, SRE, OBSERVER, REVOCATION_CLIENT,
                ADMIN, LEAF);
    }

    /** Publish and subscribe allow-lists; null means everything. */
    public record Permissions(List<String> publish, List<String> subscribe) {}

    public Permissions permissions(List<String> regions) {
        Set<String> pub = new LinkedHashSet<>();
        Set<String> sub = new LinkedHashSet<>();
        sub.add("_INBOX.>");
        // Roles that answer requests get publish on _INBOX.> (below) to reach the requester, not
        // through allow_responses: with allow_responses, nats-server 2.9 records every message
        // delivered to the client with a reply subject (each JetStream delivery has one) and, past
        // 4,096 records, scans them all on every delivery. At 2,000 deliveries/s that made the
        // servers 4x busier (measured: 10 s of CPU per server for 20,000 events instead of 2.5 s,
        // p50 fan-out 5 s instead of 70 ms). Every role can already subscribe to _INBOX.>, so
        // publishing there grants nothing a role could not already observe.
        List<String> revocationStreams = streams(Family.REVOCATION, regions);
        List<String> lagStreams = streams(Family.LAG, regions);
        List<String> auditStreams = streams(Family.AUDIT, regions);
        String control = Naming.kvStream(Naming.CONTROL_BUCKET);
        String lagKv = Naming.kvStream(Naming.LAG_BUCKET);
        switch (this) {
            case REVOCATION_BUS -> {
                pub.add(Naming.allSubjects(Family.REVOCATION));
                pub.add("olympus.deadletter." + Family.REVOCATION.token() + ".>");
                // Express copies of ingested revocations (ExpressFanout): only this role may send them.
                pub.add("olympus.revocation-bus.express.*");
                sub.add(Naming.allSubjects(Family.REVOCATION));
                sub.add("olympus.revocation-bus.>");
                revocationStreams.forEach(s -> jsUse(pub, s));
                jsUse(pub, control);
                jsAccountInfo(pub);
                pub.add("_INBOX.>");
            }
            case LAG_MONITOR -> {
                pub.add(Naming.allSubjects(Family.LAG));
                sub.add(Naming.allSubjects(Family.LAG));
                lagStreams.forEach(s -> jsUse(pub, s));
                jsUse(pub, lagKv);
                kvWrite(pub, Naming.LAG_BUCKET);
                jsUse(pub, control);
                jsAccountInfo(pub);
                pub.add("_INBOX.>");
            }
            case SESSION_ROUTER -> {
                sub.add(Naming.allSubjects(Family.LAG));
                sub.add(Naming.TOPOLOGY_ANNOUNCE);
                lagStreams.forEach(s -> jsUse(pub, s));
                jsUse(pub, lagKv);
                jsUse(pub, control);
                jsAccountInfo(pub);
            }
            case FAILOVER_COORDINATOR -> {
                pub.add(Naming.TOPOLOGY_ANNOUNCE);
                pub.add(Naming.allSubjects(Family.AUDIT));
                pub.add("olympus.coordinator.>");
                // Requests to every region's node agent; it never subscribes there.
                pub.add("olympus.agent.*");
                sub.add(Naming.CONTROL_COMMANDS);
                sub.add("olympus.coordinator.>");
                sub.add(Naming.allSubjects(Family.LAG));
                sub.add(Naming.TOPOLOGY_ANNOUNCE);
                auditStreams.forEach(s -> jsUse(pub, s));
                lagStreams.forEach(s -> jsUse(pub, s));
                jsUse(pub, control);
                jsUse(pub, lagKv);
                kvWrite(pub, Naming.CONTROL_BUCKET);
                jsAccountInfo(pub);
                pub.add("_INBOX.>");
            }
            case SRE -> {
                pub.add(Naming.CONTROL_COMMANDS);
                sub.add(Naming.TOPOLOGY_ANNOUNCE);
                sub.add(Naming.allSubjects(Family.LAG));
                for (String s : concat(auditStreams, lagStreams, List.of(control, lagKv))) {
                    jsUse(pub, s);
                }
                jsAccountInfo(pub);
            }
            case OBSERVER -> {
                sub.add(Naming.allSubjects(Family.LAG));
                sub.add(Naming.allSubjects(Family.REVOCATION));
                sub.add(Naming.TOPOLOGY_ANNOUNCE);
                for (String s : concat(revocationStreams, auditStreams, lagStreams, List.of(control, lagKv))) {
                    jsRead(pub, s);
                }
                jsAccountInfo(pub);
            }
            case REVOCATION_CLIENT -> pub.add("olympus.revocation-bus.ingest.*");
            case NODE_AGENT -> throw new IllegalArgumentException("the node agent's permissions are per region: permissions(regions, region)");
            case ADMIN, LEAF, ROUTE -> {
                return new Permissions(null, null);
            }
        }
        return new Permissions(new ArrayList<>(pub), new ArrayList<>(sub));
    }

    private static List<String> streams(Family f, List<String> regions) {
        List<String> s = new ArrayList<>();
        s.add(Naming.viewStream(f));
        s.add(Naming.deadLetterStream(f));
        regions.forEach(r -> s.add(Naming.originStream(f, r)));
        return s;
    }

    @SafeVarargs
    private static List<String> concat(List<String>... lists) {
        List<String> all = new ArrayList<>();
        for (List<String> l : lists) {
            all.addAll(l);
        }
        return all;
    }

    /** Local-domain form ($JS.API.…) and any-domain form ($JS.&lt;domain&gt;.API.…). */
    private static void api(Set<String> pub, String rest) {
        pub.add("$JS.API." + rest);
        pub.add("$JS.*.API." + rest);
    }

    private static void jsAccountInfo(Set<String> pub) {
        api(pub, "INFO");
    }

    /** Read a stream: info, direct and stored-message gets, ephemeral consumers. */
    private static void jsRead(Set<String> pub, String stream) {
        api(pub, "STREAM.INFO." + stream);
        api(pub, "STREAM.MSG.GET." + stream);
        api(pub, "DIRECT.GET." + stream);
        api(pub, "DIRECT.GET." + stream + ".>");
        api(pub, "CONSUMER.CREATE." + stream);
        api(pub, "CONSUMER.CREATE." + stream + ".>");
        api(pub, "CONSUMER.INFO." + stream + ".*");
        api(pub, "CONSUMER.DELETE." + stream + ".*");
        api(pub, "CONSUMER.MSG.NEXT." + stream + ".*");
        pub.add("$JS.ACK." + stream + ".>");
        pub.add("$JS.FC." + stream + ".>");
    }

    /** Use a stream as a service does: read it and keep durable consumers on it. */
    private static void jsUse(Set<String> pub, String stream) {
        jsRead(pub, stream);
        api(pub, "CONSUMER.DURABLE.CREATE." + stream + ".*");
        api(pub, "CONSUMER.NAMES." + stream);
        api(pub, "CONSUMER.LIST." + stream);
    }

    private static void kvWrite(Set<String> pub, String bucket) {
        pub.add("$KV." + bucket + ".>");
        pub.add("$JS.*.API.$KV." + bucket + ".>");
    }
}
