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
        // Own region's control node first; others (through links; in hosts mode at their own
        // addresses) only if it is down.
        leafUrls.add(leafUrl(creds, "127.0.0.1", p.controlLeaf(i)));
        for (int j = 0; j < spec.controlNodes(); j++) {
            if (j != i) {
                leafUrls.add(spec.hosts() ? leafUrl(creds, spec.host(j), p.controlLeaf(j))
                        : leafUrl(creds, "127.0.0.1", p.link(i, j, LinkKind.LEAF)));
            }
        }
        String listen = listenHost(spec);
        return """
                server_name: "%s"
                listen: "%s:%d"
                http: "%s:%d"
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
                """.formatted(region, listen, p.nats(i), listen, p.natsMonitor(i), pidFile, logFile, dataDir,
                Naming.domain(region), accounts(spec, creds), quoteAll(leafUrls), ACCOUNT);
    }

    static String controlNode(TopologySpec spec, Credentials creds, int i, Path dataDir, Path pidFile, Path logFile) {
        Ports p = spec.ports();
        List<String> routes = new ArrayList<>();
        for (int j = 0; j < spec.controlNodes(); j++) {
            if (j != i) {
                routes.add("nats-route://" + NatsRole.ROUTE.user() + ":" + creds.natsPassword(NatsRole.ROUTE)
                        + (spec.hosts() ? "@" + spec.host(j) + ":" + p.controlRoute(j) : "@127.0.0.1:" + p.link(i, j, LinkKind.ROUTE)));
            }
        }
        String listen = listenHost(spec);
        // In hosts mode gossip may name the real route address: it is the one a cut takes down.
        String advertise = spec.hosts() ? spec.host(i) + ":" + p.controlRoute(i) : "127.0.0.1:" + p.unused(i);
        return """
                server_name: "control-%s"
                listen: "%s:%d"
                http: "%s:%d"
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
                  listen: "%s:%d"
                  # Gossip would tell peers this node's real route port, and a peer would then
                  # connect to it directly, around the link, where a cut cannot reach. Every node
                  # has explicit routes (through links) to every other, so advertise a port that
                  # nothing listens on and let gossiped routes fail (hosts mode: no links, the
                  # real address).
                  advertise: "%s"
                  connect_retries: 120
                  authorization { user: "%s", password: "%s" }
                  routes: [%s]
                }
                leafnodes {
                  listen: "%s:%d"
                  no_advertise: true
                }
                """.formatted(spec.controlNodeRegion(i), listen, p.control(i), listen, p.controlMonitor(i), pidFile, logFile, dataDir,
                Naming.CONTROL_DOMAIN, accounts(spec, creds), listen, p.controlRoute(i), advertise,
                NatsRole.ROUTE.user(), creds.natsPassword(NatsRole.ROUTE), quoteAll(routes), listen, p.controlLeaf(i));
    }

    private static String leafUrl(Credentials creds, String host, int port) {
        return "nats-leaf://" + NatsRole.LEAF.user() + ":" + creds.natsPassword(NatsRole.LEAF) + "@" + host + ":" + port;
    }

    /**
     * 127.0.0.1; in hosts mode 0.0.0.0, which inside a node's namespace is its loopback and its
     * own 10.X.i.2 and nothing else.
     */
    private static String listenHost(TopologySpec spec) {
        return spec.hosts() ? "0.0.0.0" : "127.0.0.1";
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
