package olympus.topology;

import olympus.topology.Ports.LinkKind;
import olympus.wire.Naming;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * nats-server configuration for the two kinds of server a region runs.
 *
 * <ul>
 *   <li>The region server: JetStream domain = region name; holds the region's origin and view
 *       streams; a leaf node of the control cluster. A region cut off from the others keeps
 *       publishing and consuming here (BRIEF §4: per-region domains over leaf nodes keep working,
 *       a supercluster's meta group would not).</li>
 *   <li>The control node: one of a three-or-more-node cluster with JetStream domain "control"
 *       that holds the R3 control buckets. Its routes to other regions go through cuttable links.</li>
 * </ul>
 * All users live in one account, OLYMPUS, so that subjects and JetStream domains connect across
 * leaf nodes; each user's permissions come from {@link NatsRole}.
 */
final class NatsConfigs {
    private NatsConfigs() {}

    static final String ACCOUNT = "OLYMPUS";

    static String regionServer(TopologySpec spec, Credentials creds, int i, Path dataDir, Path pidFile, Path logFile) {
        Ports p = spec.ports();
        String region = spec.regions().get(i);
        List<String> leafUrls = new ArrayList<>();
        // Own region's control node first; others (through links) only if it is down.
        leafUrls.add(leafUrl(creds, p.controlLeaf(i)));
        for (int j = 0; j < spec.controlNodes(); j++) {
            if (j != i) {
                leafUrls.add(leafUrl(creds, p.link(i, j, LinkKind.LEAF)));
            }
        }
        return """
                server_name: "%s"
                listen: "127.0.0.1:%d"
                http: "127.0.0.1:%d"
                pid_file: "%s"
                log_file: "%s"
                max_payload: 1MB
                jetstream {
                  store_dir: "%s"
                  domain: "%s"
                  max_memory_store: 256MB
                  max_file_store: 4GB
                }
                %s
                leafnodes {
                  reconnect: 1
                  remotes: [
                    {
                      urls: [%s]
                      account: "%s"
                      no_randomize: true
                      # Every region has streams of the same names (the views), so consumers of the
                      # same name in two regions share ack subjects ($JS.ACK.<stream>.<consumer>...).
                      # Without this, one region's acks cross the leaf node and acknowledge the
                      # other region's unapplied messages. Nothing legitimate acks across regions:
                      # each region consumes its own view; sourcing uses flow control, not acks.
                      deny_imports: ["$JS.ACK.>"]
                      deny_exports: ["$JS.ACK.>"]
                    }
                  ]
                }
                """.formatted(region, p.nats(i), p.natsMonitor(i), pidFile, logFile, dataDir,
                Naming.domain(region), accounts(spec, creds), quoteAll(leafUrls), ACCOUNT);
    }

    static String controlNode(TopologySpec spec, Credentials creds, int i, Path dataDir, Path pidFile, Path logFile) {
        Ports p = spec.ports();
        List<String> routes = new ArrayList<>();
        for (int j = 0; j < spec.controlNodes(); j++) {
            if (j != i) {
                routes.add("nats-route://" + NatsRole.ROUTE.user() + ":" + creds.natsPassword(NatsRole.ROUTE)
                        + "@127.0.0.1:" + p.link(i, j, LinkKind.ROUTE));
            }
        }
        return """
                server_name: "control-%s"
                listen: "127.0.0.1:%d"
                http: "127.0.0.1:%d"
                pid_file: "%s"
                log_file: "%s"
                jetstream {
                  store_dir: "%s"
                  domain: "%s"
                  max_memory_store: 128MB
                  max_file_store: 1GB
                }
                %s
                cluster {
                  name: "control"
                  listen: "127.0.0.1:%d"
                  # Gossip would tell peers this node's real route port, and a peer would then
                  # connect to it directly, around the link, where a cut cannot reach. Every node
                  # has explicit routes (through links) to every other, so advertise a port that
                  # nothing listens on and let gossiped routes fail.
                  advertise: "127.0.0.1:%d"
                  connect_retries: 120
                  authorization { user: "%s", password: "%s" }
                  routes: [%s]
                }
                leafnodes {
                  listen: "127.0.0.1:%d"
                  no_advertise: true
                }
                """.formatted(spec.controlNodeRegion(i), p.control(i), p.controlMonitor(i), pidFile, logFile, dataDir,
                Naming.CONTROL_DOMAIN, accounts(spec, creds), p.controlRoute(i), p.unused(i),
                NatsRole.ROUTE.user(), creds.natsPassword(NatsRole.ROUTE), quoteAll(routes), p.controlLeaf(i));
    }

    private static String leafUrl(Credentials creds, int port) {
        return "nats-leaf://" + NatsRole.LEAF.user() + ":" + creds.natsPassword(NatsRole.LEAF) + "@127.0.0.1:" + port;
    }

    private static String accounts(TopologySpec spec, Credentials creds) {
        StringBuilder users = new StringBuilder();
        for (NatsRole role : NatsRole.clientRoles()) {
            users.append("      { user: \"").append(role.user()).append("\", password: \"")
                    .append(creds.natsPassword(role)).append("\"");
            NatsRole.Permissions perms = role.permissions(spec.regions());
            if (perms.publish() != null) {
                users.append(", permissions: { publish: { allow: [").append(quoteAll(perms.publish()))
                        .append("] }, subscribe: { allow: [").append(quoteAll(perms.subscribe())).append("] }");
                users.append(" }");
            }
            users.append(" }\n");
        }
        for (String r : spec.regions()) {
            NatsRole.Permissions perms = NatsRole.NODE_AGENT.permissions(spec.regions(), r);
            users.append("      { user: \"").append(NatsRole.NODE_AGENT.user(r)).append("\", password: \"")
                    .append(creds.natsPassword(NatsRole.NODE_AGENT, r)).append("\", permissions: { publish: { allow: [")
                    .append(quoteAll(perms.publish())).append("] }, subscribe: { allow: [").append(quoteAll(perms.subscribe()))
                    .append("] } } }\n");
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

    private static String quoteAll(List<String> items) {
        return items.stream().map(s -> "\"" + s + "\"").collect(Collectors.joining(", "));
    }
}
