package olympus.render;

import olympus.wire.Naming;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * nats-server configuration for the two kinds of server a region runs, for the local topology
 * (test-support's LocalTopology) and for real hosts ({@link Renderer}) alike.
 *
 * <ul>
 *   <li>The region server: JetStream domain = region name; holds the region's origin and view
 *       streams; a leaf node of the control cluster. A region cut off from the others keeps
 *       publishing and consuming here (BRIEF §4: per-region domains over leaf nodes keep working,
 *       a supercluster's meta group would not).</li>
 *   <li>The control node: one of a three-or-more-node cluster with JetStream domain "control"
 *       that holds the R3 control buckets.</li>
 * </ul>
 * All users live in one account, OLYMPUS, so that subjects and JetStream domains connect across
 * leaf nodes; each user's permissions come from {@link NatsRole}. Every address and port is given
 * by the caller: nothing here assumes 127.0.0.1.
 */
public final class NatsConfigs {
    private NatsConfigs() {}

    public static final String ACCOUNT = "OLYMPUS";

    /** A host and port another server is reached at. */
    public record Remote(String host, int port) {
        @Override
        public String toString() {
            return host + ":" + port;
        }
    }

    /**
     * TLS of a server: file paths (PEM) on the host that runs it. With a CA, every link is mutual
     * TLS: clients, leaf connections and routes must present a certificate signed by that CA
     * ({@code verify: true}), and a server dialing another (leaf remote, route) checks the other's.
     */
    public record Tls(String certFile, String keyFile, String caFile) {}

    /**
     * A region's server. {@code pidFile}/{@code logFile} null: none (log to stdout, as in a
     * container); {@code tls} null: plain client connections. {@code leafRemotes}: the control
     * nodes, own region's first (tried in this order: {@code no_randomize}).
     */
    public record RegionServer(String region, String listen, int port, int httpPort, String pidFile, String logFile,
                               String storeDir, List<Remote> leafRemotes, Tls tls) {
        public RegionServer {
            leafRemotes = List.copyOf(leafRemotes);
        }
    }

    /**
     * A control node named {@code control-NODE}; {@code advertise}: what it tells peers in route
     * gossip; {@code routes}: every other control node's route address.
     */
    public record ControlNode(String node, String listen, int port, int httpPort, String pidFile, String logFile,
                              String storeDir, int routePort, String advertise, List<Remote> routes, int leafPort, Tls tls) {
        public ControlNode {
            routes = List.copyOf(routes);
        }
    }

    /**
     * A region server's JetStream file store (4 GiB). Everything but revocations is capped
     * ({@code StreamLayout.cappedBytesPerRegion()}), so a full audit, lag or dead-letter stream drops
     * its own oldest records and never takes the space revocation ingest needs.
     */
    public static final long REGION_FILE_STORE_BYTES = 4L << 30;

    public static String regionServer(RegionServer s, List<String> regions, List<String> operators, Secrets secrets) {
        List<String> leafUrls = new ArrayList<>();
        // Its own region's leaf user only: no region's config holds another region's leaf password.
        String leaf = NatsRole.LEAF.user(s.region());
        for (Remote r : s.leafRemotes()) {
            leafUrls.add("nats-leaf://" + leaf + ":" + secrets.natsPassword(leaf) + "@" + r);
        }
        return """
                server_name: "%s"
                listen: "%s:%d"
                http: "%s:%d"
                %smax_payload: 1MB
                %sjetstream {
                  store_dir: "%s"
                  domain: "%s"
                  max_memory_store: 256MB
                  max_file_store: %d
                }
                %s
                leafnodes {
                  reconnect: 1
                  remotes: [
                    {
                      urls: [%s]
                      account: "%s"
                      no_randomize: true
                %s      # Every region has streams of the same names (the views), so consumers of the
                      # same name in two regions share ack subjects ($JS.ACK.<stream>.<consumer>...).
                      # Without this, one region's acks cross the leaf node and acknowledge the
                      # other region's unapplied messages. Nothing legitimate acks across regions:
                      # each region consumes its own view; sourcing uses flow control, not acks.
                      deny_imports: ["$JS.ACK.>"]
                      deny_exports: ["$JS.ACK.>"]
                    }
                  ]
                }
                """.formatted(s.region(), s.listen(), s.port(), s.listen(), s.httpPort(), files(s.pidFile(), s.logFile()),
                tls(s.tls()), s.storeDir(), Naming.domain(s.region()), REGION_FILE_STORE_BYTES, accounts(regions, operators, secrets), quoteAll(leafUrls), ACCOUNT,
                indent(dialTls(s.tls()), "      "));
    }

    public static String controlNode(ControlNode s, List<String> regions, List<String> operators, Secrets secrets) {
        List<String> routes = new ArrayList<>();
        String routeAuth = NatsRole.ROUTE.user() + ":" + secrets.natsPassword(NatsRole.ROUTE.user());
        for (Remote r : s.routes()) {
            routes.add("nats-route://" + routeAuth + "@" + r);
        }
        return """
                server_name: "control-%s"
                listen: "%s:%d"
                http: "%s:%d"
                %s%sjetstream {
                  store_dir: "%s"
                  domain: "%s"
                  max_memory_store: 128MB
                  max_file_store: 1GB
                }
                %s
                cluster {
                  name: "control"
                  listen: "%s:%d"
                  # Gossip would tell peers this node's real route port, and a peer would then
                  # connect to it directly, around the link, where a cut cannot reach. Every node
                  # has explicit routes (through links) to every other, so advertise a port that
                  # nothing listens on and let gossiped routes fail (hosts mode: no links, the
                  # real address).
                  advertise: "%s"
                  connect_retries: 120
                %s  authorization { user: "%s", password: "%s" }
                  routes: [%s]
                }
                leafnodes {
                  listen: "%s:%d"
                  no_advertise: true
                %s  # One user per region's server, bound to the account; accepted here only, never
                  # as a client; bcrypt hashes, not the passwords.
                  authorization {
                    users: [
                %s      ]
                  }
                }
                """.formatted(s.node(), s.listen(), s.port(), s.listen(), s.httpPort(), files(s.pidFile(), s.logFile()),
                tls(s.tls()), s.storeDir(), Naming.CONTROL_DOMAIN, accounts(regions, operators, secrets), s.listen(), s.routePort(),
                s.advertise(), indent(tls(s.tls()), "  "), NatsRole.ROUTE.user(), secrets.natsPassword(NatsRole.ROUTE.user()),
                quoteAll(routes), s.listen(), s.leafPort(), indent(tls(s.tls()), "  "), leafUsers(regions, secrets));
    }

    private static String files(String pidFile, String logFile) {
        return (pidFile == null ? "" : "pid_file: \"" + pidFile + "\"\n") + (logFile == null ? "" : "log_file: \"" + logFile + "\"\n");
    }

    /**
     * A listener's TLS (client port, routes, leaf port): with a CA, the peer's certificate is
     * required and checked. Handshake timeout 5 s, not NATS' 2: a JVM's first handshake runs cold
     * code, and with every service of a host starting at once on 2 cores (deploy/local/demo,
     * 2026-12-06) one took longer than 2 s, the server closed it, and that service did not start.
     */
    private static String tls(Tls tls) {
        if (tls == null) {
            return "";
        }
        return "tls {\n  cert_file: \"" + tls.certFile() + "\"\n  key_file: \"" + tls.keyFile() + "\"\n"
                + (tls.caFile() == null ? "" : "  ca_file: \"" + tls.caFile() + "\"\n  verify: true\n") + "  timeout: 5\n}\n";
    }

    /** A leaf remote's TLS: this server's certificate, and the CA it checks the control node's against. */
    private static String dialTls(Tls tls) {
        if (tls == null) {
            return "";
        }
        return "tls {\n  cert_file: \"" + tls.certFile() + "\"\n  key_file: \"" + tls.keyFile() + "\"\n"
                + (tls.caFile() == null ? "" : "  ca_file: \"" + tls.caFile() + "\"\n") + "  timeout: 5\n}\n";
    }

    private static String indent(String block, String by) {
        if (block.isEmpty()) {
            return "";
        }
        return block.lines().map(l -> by + l + "\n").collect(Collectors.joining());
    }

    /** The OLYMPUS account: every client role's user, one user per region of each per-region role, one per operator. */
    static String accounts(List<String> regions, List<String> operators, Secrets secrets) {
        StringBuilder users = new StringBuilder();
        for (String op : operators) {
            user(users, Naming.operatorUser(op), secrets, NatsRole.operatorPermissions(regions, op));
        }
        for (NatsRole role : NatsRole.clientRoles()) {
            user(users, role.user(), secrets, role.permissions(regions));
        }
        for (NatsRole role : NatsRole.regionalRoles()) {
            for (String r : regions) {
                user(users, role.user(r), secrets, role.permissions(regions, r));
            }
        }
        return """
                accounts {
                  %s {
                    jetstream: enabled
                    users: [
                %s    ]
                  }
                }
                """.formatted(ACCOUNT, users);
    }

    private static String leafUsers(List<String> regions, Secrets secrets) {
        StringBuilder users = new StringBuilder();
        for (String r : regions) {
            String leaf = NatsRole.LEAF.user(r);
            users.append("        { user: \"").append(leaf).append("\", password: \"").append(Bcrypt.hash(secrets.natsPassword(leaf)))
                    .append("\", account: \"").append(ACCOUNT).append("\" }\n");
        }
        return users.toString();
    }

    /** One user of the account: its bcrypt-hashed password (the server compares hashes; the config holds no password). */
    private static void user(StringBuilder users, String user, Secrets secrets, NatsRole.Permissions perms) {
        users.append("      { user: \"").append(user).append("\", password: \"").append(Bcrypt.hash(secrets.natsPassword(user))).append("\"");
        if (perms.publish() != null) {
            users.append(", permissions: { publish: { allow: [").append(quoteAll(perms.publish()))
                    .append("] }, subscribe: { allow: [").append(quoteAll(perms.subscribe())).append("] }")
                    .append(perms.allowResponses() ? ", allow_responses: true" : "").append(" }");
        }
        users.append(" }\n");
    }

    private static String quoteAll(List<String> items) {
        return items.stream().map(s -> "\"" + s + "\"").collect(Collectors.joining(", "));
    }
}
