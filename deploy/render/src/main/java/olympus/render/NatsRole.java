package olympus.render;

import olympus.wire.Naming;
import olympus.wire.Naming.Family;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One NATS user per role, and per region for the roles that run in every region
 * ({@link #perRegion()}: {@code revocation-bus-eu-west}), with the subjects that user needs and
 * nothing more. Authority comes from these permissions, never from a field inside a message: a
 * session-router cannot publish a revocation or write the control KV, and eu-west's services
 * cannot publish us-east's events or write us-east's keys, because the server refuses it,
 * whatever they send.
 *
 * <p>Streams and buckets are provisioned by the deployment ({@link #ADMIN}); services get the
 * JetStream API calls that use them (info, consumers, direct get), not create or delete.
 */
public enum NatsRole {
    REVOCATION_BUS("revocation-bus"),
    LAG_MONITOR("lag-monitor"),
    SESSION_ROUTER("session-router"),
    FAILOVER_COORDINATOR("failover-coordinator"),
    NODE_AGENT("node-agent"),
    /**
     * One user per operator (SRE or automation) named in the topology, {@code sre-<operator>}
     * ({@link #operatorPermissions}): each may send commands only on its own subject
     * {@code olympus.control.cmd.<operator>.<verb>}, so the coordinator knows who sent a command
     * from the subject alone.
     */
    SRE("sre"),
    OBSERVER("observer"),
    /** Internal publishers of revocations (Hydra/Athena hooks): the revocation-bus's NATS ingest only. */
    REVOCATION_CLIENT("revocation-client"),
    /** Provisions streams and buckets; used by the deployment tooling only. */
    ADMIN("admin"),
    /**
     * Leaf node connections from each region's server into the control cluster: one user per
     * region ({@code leaf-REGION}), accepted only on the control nodes' leaf port (never as a
     * client), so a region's config holds only its own leaf password and the control nodes hold
     * bcrypt hashes.
     */
    LEAF("leaf"),
    /** Control cluster route authentication. */
    ROUTE("route");

    private final String user;

    NatsRole(String user) {
        this.user = user;
    }

    /**
     * The role's name; the user name itself for the roles that are not per region. A per-region
     * role has no user of this name: use {@link #user(String)}.
     */
    public String user() {
        return user;
    }

    /**
     * Whether the role has one user per region, {@code ROLE-REGION} ({@link #user(String)}). A
     * region's services run as their region's user, and that user may publish only its region's
     * subjects and write only its region's keys: a credential stolen in one region cannot speak
     * for another (NATS 2.9 has no per-message sender, so this is where authority comes from).
     */
    public boolean perRegion() {
        return switch (this) {
            case REVOCATION_BUS, LAG_MONITOR, SESSION_ROUTER, FAILOVER_COORDINATOR, NODE_AGENT, REVOCATION_CLIENT, LEAF -> true;
            default -> false;
        };
    }

    /** The user this role has in {@code region}: {@code ROLE-REGION} for a per-region role, the role's one user for the others. */
    public String user(String region) {
        return perRegion() ? user + "-" + Naming.requireRegion(region) : user;
    }

    /** Roles with one user for all regions that are client users of the OLYMPUS account (not ROUTE plumbing). */
    public static List<NatsRole> clientRoles() {
        return List.of(OBSERVER, ADMIN);
    }

    /** Client roles with one user per region ({@link #perRegion()}; not LEAF, which is no client). */
    public static List<NatsRole> regionalRoles() {
        return List.of(REVOCATION_BUS, LAG_MONITOR, SESSION_ROUTER, FAILOVER_COORDINATOR, NODE_AGENT, REVOCATION_CLIENT);
    }

    /** Every client user of the OLYMPUS account, for {@code regions}: the per-region ones once per region. */
    public static List<String> users(List<String> regions) {
        List<String> users = new ArrayList<>();
        for (NatsRole r : clientRoles()) {
            users.add(r.user());
        }
        // Operators' users (sre-<operator>) are added by the caller, from the topology's list.
        for (NatsRole r : regionalRoles()) {
            for (String region : regions) {
                users.add(r.user(region));
            }
        }
        return users;
    }

    /**
     * Publish and subscribe allow-lists (null means everything); {@code allowResponses}: the user
     * may publish one reply to the reply subject of each request it received, and nowhere else
     * under an inbox.
     */
    public record Permissions(List<String> publish, List<String> subscribe, boolean allowResponses) {}

    /**
     * The inbox prefix of {@code user}'s connections ({@code _INBOX_<user>}; jnats
     * {@code Options.inboxPrefix}): each user may subscribe to its own inbox only, so no one reads
     * another's replies (JetStream API answers, KV values, command results).
     */
    public static String inboxPrefix(String user) {
        return olympus.nats.Inboxes.prefix(user);
    }

    /** Permissions of a role that is not per region. */
    public Permissions permissions(List<String> regions) {
        if (perRegion()) {
            throw new IllegalArgumentException(user + " has one user per region: permissions(regions, region)");
        }
        if (this == SRE) {
            throw new IllegalArgumentException("sre has one user per operator: operatorPermissions(regions, operator)");
        }
        return permissions(regions, null);
    }

    /** Permissions of operator {@code operator}'s user ({@code sre-<operator>}). */
    public static Permissions operatorPermissions(List<String> regions, String operator) {
        return SRE.permissions(regions, operator);
    }

    /**
     * Permissions of this role's user in {@code region} ({@code region} is ignored for a role
     * that is not per region).
     */
    public Permissions permissions(List<String> regions, String region) {
        if (perRegion()) {
            Naming.requireRegion(region);
        }
        Grants g = new Grants(perRegion() ? List.of(region, Naming.CONTROL_DOMAIN) : null);
        Set<String> pub = g.pub;
        Set<String> sub = g.sub;
        sub.add(inboxPrefix(this == SRE ? Naming.operatorUser(region) : user(region)) + ".>");
        boolean allowResponses = false;
        List<String> revocationStreams = streams(Family.REVOCATION, regions);
        List<String> lagStreams = streams(Family.LAG, regions);
        List<String> auditStreams = streams(Family.AUDIT, regions);
        String control = Naming.kvStream(Naming.CONTROL_BUCKET);
        String lagKv = Naming.kvStream(Naming.LAG_BUCKET);
        switch (this) {
            case REVOCATION_BUS -> {
                // Its own region's revocations only: region X's bus cannot put an event into Y's
                // origin stream, and the apply side dead-letters an event whose originRegion is
                // not its subject's region.
                pub.add(Naming.originSubjects(Family.REVOCATION, region));
                pub.add(Naming.deadLetterSubject(Family.REVOCATION, region));
                // Express copies of ingested revocations (ExpressFanout): only this region's bus may send them.
                pub.add("olympus.revocation-bus.express." + region);
                sub.add(Naming.allSubjects(Family.REVOCATION));
                sub.add("olympus.revocation-bus.express.*");
                sub.add("olympus.revocation-bus.ingest." + region);
                for (String s : regionStreams(Family.REVOCATION, region)) {
                    g.jsRead(s);
                }
                g.durable(Naming.viewStream(Family.REVOCATION), user(region));
                // The rebuild reads the view with an ordered (pull) consumer.
                g.api("CONSUMER.MSG.NEXT." + Naming.viewStream(Family.REVOCATION) + ".*");
                g.jsRead(control);
                g.jsAccountInfo();
                // Replies to its ingest requesters, by publish rather than allow_responses: with
                // allow_responses, nats-server 2.9 records every message delivered to the client
                // with a reply subject (each JetStream delivery has one) and, past 4,096 records,
                // scans them all on every delivery. At 2,000 deliveries/s that made the servers 4x
                // busier (measured: 10 s of CPU per server for 20,000 events instead of 2.5 s, p50
                // fan-out 5 s instead of 70 ms). Only its region's ingest clients' inboxes.
                pub.add(inboxPrefix(REVOCATION_CLIENT.user(region)) + ".>");
            }
            case LAG_MONITOR -> {
                pub.add(Naming.originSubjects(Family.LAG, region));
                sub.add(Naming.allSubjects(Family.LAG));
                for (String s : regionStreams(Family.LAG, region)) {
                    g.jsRead(s);
                }
                g.jsRead(lagKv);
                // The lag bucket's key of its region's replica, nothing else.
                g.kvWrite(Naming.LAG_BUCKET, region);
                g.jsRead(control);
                g.jsAccountInfo();
            }
            case SESSION_ROUTER -> {
                sub.add(Naming.allSubjects(Family.LAG));
                sub.add(Naming.TOPOLOGY_ANNOUNCE);
                for (String s : regionStreams(Family.LAG, region)) {
                    g.jsRead(s);
                }
                g.jsRead(lagKv);
                g.jsRead(control);
                g.jsAccountInfo();
            }
            case FAILOVER_COORDINATOR -> {
                // Any region's coordinator may become the leader, so each may write the keys only
                // the leader writes (the lease it takes by compare-and-set, and under it the
                // topology, the operation, the automatic-failover state); its observation of the
                // primary only under its own region's key.
                pub.add(Naming.TOPOLOGY_ANNOUNCE);
                pub.add(Naming.originSubjects(Family.AUDIT, region));
                // Requests to every region's node agent; it never subscribes there.
                pub.add("olympus.agent.*");
                sub.add(Naming.CONTROL_COMMANDS);
                sub.add(Naming.allSubjects(Family.LAG));
                sub.add(Naming.TOPOLOGY_ANNOUNCE);
                for (String s : concat(regionStreams(Family.AUDIT, region), regionStreams(Family.LAG, region))) {
                    g.jsRead(s);
                }
                // The audit projection's durable (NatsAudit).
                g.durable(Naming.viewStream(Family.AUDIT), "failover-audit-db-" + region);
                g.jsRead(control);
                g.jsRead(lagKv);
                for (String key : List.of(olympus.wire.ClusterTopology.KEY, olympus.wire.ClusterTopology.LEADER_KEY,
                        olympus.wire.ClusterTopology.OPERATION_KEY, AUTO_FAILOVER_KEY, OBSERVER_KEY_PREFIX + region)) {
                    g.kvWrite(Naming.CONTROL_BUCKET, key);
                }
                g.jsAccountInfo();
                // Answers SRE commands: one reply per request received (low rate, so the server's
                // reply tracking costs nothing here, unlike the revocation-bus's).
                allowResponses = true;
            }
            case NODE_AGENT -> {
                sub.add(Naming.agentSubject(region));
                allowResponses = true;
                g.jsRead(control);
                // Its heartbeat, the proof it reaches the control quorum: its own key, nothing else.
                g.kvWrite(Naming.CONTROL_BUCKET, Naming.AGENT_HEARTBEAT_PREFIX + region);
                g.jsAccountInfo();
            }
            case SRE -> {
                // "region" is the operator here (operatorPermissions): its own command subject only.
                pub.add(Naming.operatorCommands(region));
                sub.add(Naming.TOPOLOGY_ANNOUNCE);
                sub.add(Naming.allSubjects(Family.LAG));
                for (String s : concat(auditStreams, lagStreams, List.of(control, lagKv))) {
                    g.jsRead(s);
                }
                g.jsAccountInfo();
            }
            case OBSERVER -> {
                sub.add(Naming.allSubjects(Family.LAG));
                sub.add(Naming.allSubjects(Family.REVOCATION));
                sub.add(Naming.TOPOLOGY_ANNOUNCE);
                for (String s : concat(revocationStreams, auditStreams, lagStreams, List.of(control, lagKv))) {
                    g.jsRead(s);
                }
                g.jsAccountInfo();
            }
            case REVOCATION_CLIENT -> pub.add("olympus.revocation-bus.ingest." + region);
            case ADMIN, LEAF, ROUTE -> {
                return new Permissions(null, null, false);
            }
        }
        return new Permissions(new ArrayList<>(pub), new ArrayList<>(sub), allowResponses);
    }

    /** Control-KV key of the automatic-failover state (failover-coordinator's ControlKv.AUTO_KEY). */
    public static final String AUTO_FAILOVER_KEY = "autofailover";
    /** Control-KV key prefix of each region's coordinator's observation (ControlKv.OBSERVER_PREFIX). */
    public static final String OBSERVER_KEY_PREFIX = "observer.";

    private static List<String> streams(Family f, List<String> regions) {
        List<String> s = new ArrayList<>();
        s.add(Naming.viewStream(f));
        s.add(Naming.deadLetterStream(f));
        regions.forEach(r -> s.add(Naming.originStream(f, r)));
        return s;
    }

    /** A region's own streams of a family: its origin, the view, the dead letters (all in its domain). */
    private static List<String> regionStreams(Family f, String region) {
        return List.of(Naming.originStream(f, region), Naming.viewStream(f), Naming.deadLetterStream(f));
    }

    @SafeVarargs
    private static List<String> concat(List<String>... lists) {
        List<String> all = new ArrayList<>();
        for (List<String> l : lists) {
            all.addAll(l);
        }
        return all;
    }

    /**
     * The subjects one user is granted, with the JetStream API reachable in {@code domains}: the
     * local form ({@code $JS.API.…}) and each domain's ({@code $JS.<domain>.API.…}); null: any
     * domain ({@code $JS.*.API.…}). A per-region user reaches its own region's domain and the
     * control domain only, so it cannot touch another region's streams or consumers.
     */
    private static final class Grants {
        final Set<String> pub = new LinkedHashSet<>();
        final Set<String> sub = new LinkedHashSet<>();
        private final List<String> domains;

        Grants(List<String> domains) {
            this.domains = domains;
        }

        void api(String rest) {
            pub.add("$JS.API." + rest);
            if (domains == null) {
                pub.add("$JS.*.API." + rest);
            } else {
                for (String d : domains) {
                    pub.add("$JS." + d + ".API." + rest);
                }
            }
        }

        void jsAccountInfo() {
            api("INFO");
        }

        /**
         * Read a stream: info, direct and stored-message gets, ephemeral (ordered, push)
         * consumers and their flow control. No consumer delete, no pull and no ack: those would
         * let a reader delete, drain or acknowledge another service's durable consumer
         * ({@link #durable} grants them for one's own).
         */
        void jsRead(String stream) {
            api("STREAM.INFO." + stream);
            api("STREAM.MSG.GET." + stream);
            api("DIRECT.GET." + stream);
            api("DIRECT.GET." + stream + ".>");
            api("CONSUMER.CREATE." + stream);
            api("CONSUMER.CREATE." + stream + ".>");
            api("CONSUMER.INFO." + stream + ".*");
            pub.add("$JS.FC." + stream + ".>");
        }

        /** One's own durable consumer {@code name} on {@code stream}: create, pull, ack, delete it. */
        void durable(String stream, String name) {
            api("CONSUMER.DURABLE.CREATE." + stream + "." + name);
            api("CONSUMER.DELETE." + stream + "." + name);
            api("CONSUMER.MSG.NEXT." + stream + "." + name);
            pub.add("$JS.ACK." + stream + "." + name + ".>");
        }

        /** Put, update and delete one key of a bucket (a KV write is a publish on {@code $KV.<bucket>.<key>}). */
        void kvWrite(String bucket, String key) {
            pub.add("$KV." + bucket + "." + key);
            // jnats sends a KV put in another domain through that domain's API prefix.
            if (domains == null) {
                pub.add("$JS.*.API.$KV." + bucket + "." + key);
            } else {
                pub.add("$JS." + Naming.CONTROL_DOMAIN + ".API.$KV." + bucket + "." + key);
            }
        }
    }
}
