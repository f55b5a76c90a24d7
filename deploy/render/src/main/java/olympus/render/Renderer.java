package olympus.render;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every file each host of a {@link Topology} needs, by path relative to the output folder:
 * {@code <host>/nats/nats.conf}, {@code <host>/nats-control/nats.conf},
 * {@code <host>/redis/redis.conf}, {@code <host>/pgbouncer/pgbouncer.ini} and {@code userlist.txt},
 * {@code <host>/postgresql/olympus.conf} and {@code pg_hba.olympus.conf}, and
 * {@code <host>/env/<service>.env}; a witness host gets its {@code nats-control/nats.conf} only.
 * The folders are those deploy/compose/*.yml mounts ({@code rendered/${OLYMPUS_HOST}/...}).
 *
 * <p>With {@link Topology.Runtime#COMPOSE} the servers listen on the containers' fixed ports
 * (NATS 4222, monitor 8222, route 6222, leaf 7422, Redis 6379, PgBouncer 6432; the topology's
 * ports are what the host publishes them as) and reach their own region's servers by compose
 * service name; with {@link Topology.Runtime#HOST} they listen on the topology's ports. Other
 * hosts are always reached at the address and port the topology gives them.
 */
public final class Renderer {
    private final Topology t;
    private final Secrets secrets;

    public Renderer(Topology t, Secrets secrets) {
        this.t = t;
        this.secrets = secrets;
    }

    /** Paths that hold a password (written mode 0600). */
    public static boolean secret(String path) {
        return path.endsWith("nats.conf") || path.endsWith("userlist.txt") || path.endsWith(".env");
    }

    public Map<String, String> render() {
        Map<String, String> files = new LinkedHashMap<>();
        List<Topology.Node> nodes = t.controlNodes();
        for (int i = 0; i < nodes.size(); i++) {
            Topology.Node n = nodes.get(i);
            if (i < t.regions().size()) {
                Topology.Region r = t.regions().get(i);
                files.put(n.host() + "/nats/nats.conf", NatsConfigs.regionServer(regionServer(i), t.regionNames(), t.operators(), secrets));
                files.put(n.host() + "/nats-control/nats.conf", NatsConfigs.controlNode(controlNode(i), t.regionNames(), t.operators(), secrets));
                files.put(n.host() + "/redis/redis.conf", redis(r).render());
                files.put(n.host() + "/pgbouncer/pgbouncer.ini", pgBouncer(r).ini());
                files.put(n.host() + "/pgbouncer/userlist.txt", PgBouncerConf.userlist(secrets));
                files.put(n.host() + "/postgresql/olympus.conf", new PostgresConf("olympus, rendered by deploy/render",
                        "localhost," + r.postgresAddress(), r.ports().postgres(), null, false, t.tls()).render());
                files.put(n.host() + "/postgresql/pg_hba.olympus.conf", pgHba(r));
                for (String service : ServiceEnv.SERVICES) {
                    files.put(n.host() + "/env/" + service + ".env", ServiceEnv.format(ServiceEnv.forService(env(r), service, secrets)));
                }
            } else {
                files.put(n.host() + "/nats-control/nats.conf", NatsConfigs.controlNode(controlNode(i), t.regionNames(), t.operators(), secrets));
            }
        }
        return files;
    }

    /** What a host's certificate must be valid for: every address and name its peers and its own services dial. */
    public record CertNames(List<String> ips, List<String> dnsNames) {}

    /**
     * The names of host {@code i} of {@link Topology#controlNodes()}: its address, its region's
     * database address (the same files serve the database host's PostgreSQL and node agent),
     * loopback, and the names its own containers use for each other (compose service names and
     * hostnames: nats, nats-control, redis, pgbouncer, nats-REGION, ...).
     */
    public CertNames certNames(int i) {
        Topology.Node n = t.controlNodes().get(i);
        java.util.Set<String> ips = new java.util.LinkedHashSet<>(List.of(n.address(), "127.0.0.1"));
        java.util.Set<String> dns = new java.util.LinkedHashSet<>(List.of(n.host(), "localhost", "nats-control", "control-" + n.name()));
        if (i < t.regions().size()) {
            Topology.Region r = t.regions().get(i);
            ips.add(r.postgresAddress());
            dns.addAll(List.of("nats", "redis", "pgbouncer", "nats-" + r.name(), "redis-" + r.name(), "pgbouncer-" + r.name()));
        }
        return new CertNames(List.copyOf(ips), List.copyOf(dns));
    }

    private boolean compose() {
        return t.runtime() == Topology.Runtime.COMPOSE;
    }

    NatsConfigs.RegionServer regionServer(int i) {
        List<Topology.Node> nodes = t.controlNodes();
        Topology.Node self = nodes.get(i);
        List<NatsConfigs.Remote> leaves = new ArrayList<>();
        // Own region's control node first (no_randomize); the others only when it is down.
        leaves.add(compose() ? new NatsConfigs.Remote("nats-control", 7422) : new NatsConfigs.Remote(self.address(), self.ports().controlLeaf()));
        for (int j = 0; j < nodes.size(); j++) {
            if (j != i) {
                leaves.add(new NatsConfigs.Remote(nodes.get(j).address(), nodes.get(j).ports().controlLeaf()));
            }
        }
        return compose()
                ? new NatsConfigs.RegionServer(self.name(), "0.0.0.0", 4222, 8222, null, null, "/data", leaves, t.tls())
                : new NatsConfigs.RegionServer(self.name(), "0.0.0.0", self.ports().nats(), self.ports().natsMonitor(), null, null,
                t.paths().natsData(), leaves, t.tls());
    }

    NatsConfigs.ControlNode controlNode(int i) {
        List<Topology.Node> nodes = t.controlNodes();
        Topology.Node self = nodes.get(i);
        List<NatsConfigs.Remote> routes = new ArrayList<>();
        for (int j = 0; j < nodes.size(); j++) {
            if (j != i) {
                routes.add(new NatsConfigs.Remote(nodes.get(j).address(), nodes.get(j).ports().controlRoute()));
            }
        }
        String advertise = self.address() + ":" + self.ports().controlRoute();
        Topology.Ports p = self.ports();
        return compose()
                ? new NatsConfigs.ControlNode(self.name(), "0.0.0.0", 4222, 8222, null, null, "/data", 6222, advertise, routes, 7422, t.tls())
                : new NatsConfigs.ControlNode(self.name(), "0.0.0.0", p.control(), p.controlMonitor(), null, null,
                t.paths().controlData(), p.controlRoute(), advertise, routes, p.controlLeaf(), t.tls());
    }

    RedisConf redis(Topology.Region r) {
        List<String> acl = RedisAcl.lines(r.name(), t.regionNames(), secrets);
        return compose()
                ? new RedisConf(6379, "0.0.0.0", false, null, "", "/tmp", null, "services reach Redis over TCP (" + redisScheme()
                + "redis:6379)", t.tls(), acl)
                : new RedisConf(r.ports().redis(), "127.0.0.1 " + r.address(), false, null, "", t.paths().redisDir(), null,
                "services reach Redis over TCP (" + redisUri(r) + ")", t.tls(), acl);
    }

    /** TLS when the topology has certificates: Redis then listens for TLS only. */
    private String redisScheme() {
        return t.tls() == null ? "redis://" : "rediss://";
    }

    private String redisUri(Topology.Region r) {
        return redisScheme() + r.address() + ":" + r.ports().redis();
    }

    /** Every region's PgBouncer points at the primary's PostgreSQL, at its address. */
    PgBouncerConf pgBouncer(Topology.Region r) {
        Topology.Region primary = t.region(t.primary());
        return compose()
                ? new PgBouncerConf(primary.postgresAddress(), primary.ports().postgres(), "0.0.0.0", 6432, "/etc/pgbouncer/userlist.txt",
                null, null, t.tls())
                : new PgBouncerConf(primary.postgresAddress(), primary.ports().postgres(), "127.0.0.1," + r.address(),
                r.ports().pgbouncer(), t.paths().pgbouncerDir() + "/userlist.txt", null, null, t.tls());
    }

    /**
     * Who may connect to this region's PostgreSQL: replication from every other region's
     * database host (any may be the primary after a failover, so each node gets all), and the
     * services and PgBouncer of every region's host.
     */
    String pgHba(Topology.Region self) {
        StringBuilder sb = new StringBuilder("# olympus, rendered by deploy/render: include_if_exists from pg_hba.conf, or append\n");
        // With TLS, TCP connections without it match no line and are refused.
        String host = t.tls() == null ? "host" : "hostssl";
        for (Topology.Region r : t.regions()) {
            if (!r.name().equals(self.name())) {
                sb.append(host).append(" replication ").append(PgRoles.REPLICATOR).append(' ').append(r.postgresAddress())
                        .append("/32 scram-sha-256   # ").append(r.name()).append('\n');
            }
        }
        java.util.Set<String> hosts = new java.util.LinkedHashSet<>();
        t.regions().forEach(r -> hosts.add(r.address()));
        for (String a : hosts) {
            sb.append(host).append(" all all ").append(a).append("/32 scram-sha-256\n");
        }
        return sb.toString();
    }

    /** The environment as seen from a process on the region's host (systemd: /etc/olympus/SERVICE.env). */
    ServiceEnv.Inputs env(Topology.Region r) {
        Map<String, Integer> http = new LinkedHashMap<>();
        ServiceEnv.SERVICES.forEach(s -> http.put(s, r.ports().http(s)));
        String redis = redisUri(r);
        Topology.Paths p = t.paths();
        return new ServiceEnv.Inputs(r.name(), t.regionNames(), t.primary(), "nats://" + r.address() + ":" + r.ports().nats(),
                "nats://" + r.address() + ":" + r.ports().control(), redis, redis,
                String.join(",", t.regions().stream().map(x -> x.name() + "=" + redisUri(x)).toList()),
                String.join(",", t.regions().stream().map(x -> x.name() + "=" + x.postgresAddress() + ":" + x.ports().postgres()).toList()),
                r.ports().pgbouncer(), null, http,
                new ServiceEnv.AgentPaths(p.pgBin(), p.pgData(), p.pgLog(), p.pgbouncerDir() + "/pgbouncer.ini", p.agentState()), t.tls());
    }
}
