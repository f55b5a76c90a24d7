package olympus.render;

import olympus.wire.Naming;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A deployment, as {@code deploy/topology.example.yml} describes it: the regions (one host each,
 * its address and ports), which holds the primary, the control cluster's witness nodes when there
 * are fewer than three regions, and where secrets and certificates live (paths and variable
 * names, never the values). {@link #parse} checks everything and reports every problem at once,
 * each naming its field ({@code regions[1].ports.redis}) and saying what to fix.
 */
public record Topology(Runtime runtime, String primary, List<Region> regions, List<Node> witnesses, SecretsConf secrets,
                       NatsConfigs.Tls tls, Paths paths, List<String> operators, Path tlsCaDir) {

    /**
     * Where each host's TLS files are, as its servers and services see them, when the renderer
     * makes them ({@code tls: {ca_dir: ...}}): deploy/compose mounts {@code rendered/<host>/tls}
     * there, and a host without containers installs that folder there.
     */
    public static final String TLS_DIR = "/etc/olympus/tls";
    public static final String TLS_CERT = "host.crt";
    public static final String TLS_KEY = "host.key";

    /** How the host runs the servers: the compose files (container ports fixed, topology ports published) or processes on the host. */
    public enum Runtime { COMPOSE, HOST }

    /** Ports a host listens on (for compose: what it publishes). Witnesses use only the control ones. */
    public record Ports(int nats, int natsMonitor, int control, int controlMonitor, int controlRoute, int controlLeaf, int redis,
                        int postgres, int pgbouncer, int revocationBus, int lagMonitor, int sessionRouter, int failoverCoordinator,
                        int nodeAgent) {
        public int http(String service) {
            return switch (service) {
                case "revocation-bus" -> revocationBus;
                case "lag-monitor" -> lagMonitor;
                case "session-router" -> sessionRouter;
                case "failover-coordinator" -> failoverCoordinator;
                case "node-agent" -> nodeAgent;
                default -> throw new IllegalArgumentException(service);
            };
        }
    }

    /** A control node's host: a region's, or a witness's. */
    public record Node(String name, String host, String address, Ports ports) {}

    /** A region: its host, and where its PostgreSQL is (its own host by default). */
    public record Region(String name, String host, String address, String postgresAddress, Ports ports) {
        public Node node() {
            return new Node(name, host, address, ports);
        }
    }

    /** Secret files under {@code dir} ({@code nats/<user>}, {@code postgres/<role>}, {@code token/<name>}), else {@code envPrefix + NAME}. */
    public record SecretsConf(Path dir, String envPrefix) {}

    /** Paths on the hosts (host runtime; compose uses the containers' fixed ones). */
    public record Paths(String natsData, String controlData, String redisDir, String pgbouncerDir, String pgBin, String pgData,
                        String pgLog, String agentState) {}

    public static final Map<String, Integer> DEFAULT_PORTS = defaults();

    private static Map<String, Integer> defaults() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("nats", 4222);
        m.put("nats_monitor", 8222);
        m.put("control", 4223);
        m.put("control_monitor", 8223);
        m.put("control_route", 6222);
        m.put("control_leaf", 7423);
        m.put("redis", 6379);
        m.put("postgres", 5432);
        m.put("pgbouncer", 6432);
        m.put("revocation_bus", 8081);
        m.put("lag_monitor", 8082);
        m.put("session_router", 8083);
        m.put("failover_coordinator", 8084);
        m.put("node_agent", 8085);
        return m;
    }

    private static final Set<String> WITNESS_PORTS = Set.of("control", "control_monitor", "control_route", "control_leaf");

    /** Every control node: the regions', then the witnesses' (at least three in all). */
    public List<Node> controlNodes() {
        List<Node> n = new ArrayList<>();
        regions.forEach(r -> n.add(r.node()));
        n.addAll(witnesses);
        return n;
    }

    public List<String> regionNames() {
        return regions.stream().map(Region::name).toList();
    }

    public Region region(String name) {
        return regions.stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
    }

    public static Topology load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read topology file " + file, e);
        }
        return parse(text, file.toString(), file.toAbsolutePath().getParent());
    }

    /** {@code baseDir}: what a relative {@code secrets.dir} is relative to (the file's folder). */
    public static Topology parse(String yaml, String source, Path baseDir) {
        Object root;
        try {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
        } catch (YAMLException e) {
            throw new TopologyFileException(source, List.of("not YAML: " + e.getMessage().lines().findFirst().orElse("")));
        }
        Parser p = new Parser();
        if (!(root instanceof Map<?, ?>)) {
            throw new TopologyFileException(source, List.of("(top level): expected a mapping with version, primary, regions, ..."));
        }
        Topology t = p.topology(p.map(root, ""), baseDir);
        if (!p.problems.isEmpty()) {
            throw new TopologyFileException(source, p.problems);
        }
        return t;
    }

    /** Reads the YAML tree, collecting problems instead of stopping at the first. */
    private static final class Parser {
        final List<String> problems = new ArrayList<>();

        void problem(String field, String what) {
            problems.add((field.isEmpty() ? "(top level)" : field) + ": " + what);
        }

        Map<String, Object> map(Object o, String field) {
            if (o instanceof Map<?, ?> m) {
                Map<String, Object> out = new LinkedHashMap<>();
                m.forEach((k, v) -> out.put(String.valueOf(k), v));
                return out;
            }
            problem(field, "expected a mapping (key: value lines), found " + describe(o));
            return Map.of();
        }

        void known(Map<String, Object> m, String field, Set<String> keys) {
            for (String k : m.keySet()) {
                if (!keys.contains(k)) {
                    problem(join(field, k), "unknown field; known fields here: " + keys.stream().sorted().toList());
                }
            }
        }

        String string(Map<String, Object> m, String field, String key, String fix, String dflt) {
            Object v = m.get(key);
            if (v == null) {
                if (dflt == null) {
                    problem(join(field, key), "missing; " + fix);
                }
                return dflt;
            }
            if (v instanceof Map || v instanceof List) {
                problem(join(field, key), "expected a single value, found " + describe(v) + "; " + fix);
                return dflt;
            }
            return String.valueOf(v);
        }

        Topology topology(Map<String, Object> m, Path baseDir) {
            known(m, "", Set.of("version", "runtime", "primary", "regions", "control", "secrets", "tls", "paths", "operators"));
            String version = string(m, "", "version", "set version: 1", null);
            if (version != null && !version.equals("1")) {
                problem("version", "\"" + version + "\" is not a version this renderer reads; set version: 1");
            }
            String rt = string(m, "", "runtime", "", "compose");
            Runtime runtime = Runtime.COMPOSE;
            try {
                runtime = Runtime.valueOf(rt.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                problem("runtime", "\"" + rt + "\" is neither compose nor host; set runtime: compose (deploy/compose files) or host (systemd)");
            }
            List<Region> regions = new ArrayList<>();
            Object rs = m.get("regions");
            if (!(rs instanceof List<?> list) || list.isEmpty()) {
                problem("regions", rs == null ? "missing; list every region (name, host, address, ports)"
                        : "expected a non-empty list of regions, found " + describe(rs));
            } else {
                for (int i = 0; i < list.size(); i++) {
                    regions.add(region(map(list.get(i), "regions[" + i + "]"), "regions[" + i + "]"));
                }
            }
            List<String> names = regions.stream().map(Region::name).toList();
            for (int i = 0; i < names.size(); i++) {
                if (names.get(i) != null && names.indexOf(names.get(i)) != i) {
                    problem("regions[" + i + "].name", "\"" + names.get(i) + "\" is also regions[" + names.indexOf(names.get(i))
                            + "].name; give each region its own name");
                }
            }
            String primary = string(m, "", "primary", "set primary to the region that holds the PostgreSQL primary, one of " + names, null);
            if (primary != null && !regions.isEmpty() && !names.contains(primary)) {
                problem("primary", "\"" + primary + "\" is not a region; use one of " + names);
            }
            List<Node> witnesses = new ArrayList<>();
            Map<String, Object> control = m.containsKey("control") ? map(m.get("control"), "control") : Map.of();
            known(control, "control", Set.of("witnesses"));
            Object ws = control.get("witnesses");
            if (ws != null) {
                if (!(ws instanceof List<?> wl)) {
                    problem("control.witnesses", "expected a list of witness nodes (name, host, address, ports), found " + describe(ws));
                } else {
                    for (int i = 0; i < wl.size(); i++) {
                        String f = "control.witnesses[" + i + "]";
                        witnesses.add(witness(map(wl.get(i), f), f));
                    }
                }
            }
            int nodes = regions.size() + witnesses.size();
            if (!regions.isEmpty() && nodes < 3) {
                problem("control.witnesses", regions.size() + " region(s) and " + witnesses.size() + " witness(es) make "
                        + nodes + " control nodes; the control cluster's R3 buckets need 3: add " + (3 - nodes) + " witness node(s)");
            }
            if (regions.size() >= 3 && !witnesses.isEmpty()) {
                problem("control.witnesses", regions.size() + " regions already make a control quorum; remove the witnesses");
            }
            for (Node w : witnesses) {
                if (w.name() != null && names.contains(w.name())) {
                    problem("control.witnesses", "\"" + w.name() + "\" is also a region's name; name witnesses witness-1, witness-2, ...");
                }
            }
            checkHosts(regions, witnesses);

            Map<String, Object> s = m.containsKey("secrets") ? map(m.get("secrets"), "secrets") : Map.of();
            known(s, "secrets", Set.of("dir", "env_prefix"));
            String sdir = s.containsKey("dir") ? string(s, "secrets", "dir", "set the folder that holds the secret files", null) : null;
            SecretsConf secrets = new SecretsConf(sdir == null ? null : baseDir == null ? Path.of(sdir) : baseDir.resolve(sdir),
                    string(s, "secrets", "env_prefix", "", "OLYMPUS_SECRET_"));
            NatsConfigs.Tls tls = null;
            Path caDir = null;
            if (m.get("tls") != null && map(m.get("tls"), "tls").containsKey("ca_dir")) {
                // Certificates made by the renderer: a CA kept in ca_dir, one certificate per host.
                Map<String, Object> tm = map(m.get("tls"), "tls");
                known(tm, "tls", Set.of("ca_dir"));
                String dir = string(tm, "tls", "ca_dir", "name the folder that keeps the deployment's CA (made there if absent)", null);
                if (dir != null) {
                    // As given: a relative folder is relative to the output folder (RenderMain),
                    // next to the hosts' folders but never inside one, so no host gets the CA key.
                    caDir = Path.of(dir);
                }
                tls = new NatsConfigs.Tls(TLS_DIR + "/" + TLS_CERT, TLS_DIR + "/" + TLS_KEY, TLS_DIR + "/" + Certs.CA_CERT);
            } else if (m.get("tls") != null) {
                Map<String, Object> tm = map(m.get("tls"), "tls");
                known(tm, "tls", Set.of("cert", "key", "ca", "ca_dir"));
                tls = new NatsConfigs.Tls(string(tm, "tls", "cert", "set the PEM certificate path NATS serves clients with", null),
                        string(tm, "tls", "key", "set the PEM key path of tls.cert", null), string(tm, "tls", "ca", "", ""));
                if (tls.caFile().isEmpty()) {
                    tls = new NatsConfigs.Tls(tls.certFile(), tls.keyFile(), null);
                }
            }
            Map<String, Object> pm = m.containsKey("paths") ? map(m.get("paths"), "paths") : Map.of();
            known(pm, "paths", Set.of("nats_data", "control_data", "redis_dir", "pgbouncer_dir", "pg_bin", "pg_data", "pg_log", "agent_state"));
            Paths paths = new Paths(string(pm, "paths", "nats_data", "", "/var/lib/olympus/nats"),
                    string(pm, "paths", "control_data", "", "/var/lib/olympus/nats-control"),
                    string(pm, "paths", "redis_dir", "", "/var/lib/olympus/redis"),
                    string(pm, "paths", "pgbouncer_dir", "", "/etc/pgbouncer"),
                    string(pm, "paths", "pg_bin", "", "/usr/lib/postgresql/15/bin/"),
                    string(pm, "paths", "pg_data", "", "/var/lib/postgresql/15/main"),
                    string(pm, "paths", "pg_log", "", "/var/log/postgresql/postgresql-15-main.log"),
                    string(pm, "paths", "agent_state", "", "/var/lib/olympus/node-agent"));
            // One NATS user per operator (sre-<name>), each sending commands on its own subject only.
            List<String> operators = new ArrayList<>();
            if (m.get("operators") != null) {
                if (!(m.get("operators") instanceof List<?> ol)) {
                    problem("operators", "a list of operator names, e.g. [alice, bob]");
                } else {
                    for (Object o : ol) {
                        String op = String.valueOf(o);
                        if (!olympus.wire.Naming.OPERATOR.matcher(op).matches() || operators.contains(op)) {
                            problem("operators", "\"" + op + "\" is not a new operator name (lower-case letters, digits and '-', 2 to 32 characters)");
                        } else {
                            operators.add(op);
                        }
                    }
                }
            }
            return new Topology(runtime, primary, regions, witnesses, secrets, tls, paths, List.copyOf(operators), caDir);
        }

        Region region(Map<String, Object> m, String f) {
            known(m, f, Set.of("name", "host", "address", "postgres_address", "ports"));
            String name = string(m, f, "name", "name the region (lower case, e.g. us-east)", null);
            if (name != null) {
                try {
                    Naming.requireRegion(name);
                } catch (IllegalArgumentException e) {
                    problem(f + ".name", e.getMessage());
                }
            }
            String host = hostName(m, f);
            String address = string(m, f, "address", "set the address other regions' hosts reach this host at", null);
            Ports ports = ports(m, f, DEFAULT_PORTS.keySet());
            return new Region(name, host, address, string(m, f, "postgres_address", "", address), ports);
        }

        Node witness(Map<String, Object> m, String f) {
            known(m, f, Set.of("name", "host", "address", "ports"));
            String name = string(m, f, "name", "name the witness (e.g. witness-1)", null);
            return new Node(name, hostName(m, f), string(m, f, "address", "set the address the regions' hosts reach this witness at", null),
                    ports(m, f, WITNESS_PORTS));
        }

        String hostName(Map<String, Object> m, String f) {
            String host = string(m, f, "host", "set the host name; its files are rendered into OUTDIR/<host>/ (OLYMPUS_HOST in the env file)", null);
            if (host != null && !host.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
                problem(f + ".host", "\"" + host + "\" is not a host name (letters, digits, '.', '_', '-'): it names a folder");
                return null;
            }
            return host;
        }

        Ports ports(Map<String, Object> m, String f, Set<String> allowed) {
            Map<String, Object> pm = m.containsKey("ports") ? map(m.get("ports"), f + ".ports") : Map.of();
            known(pm, f + ".ports", allowed);
            Map<String, Integer> v = new LinkedHashMap<>(DEFAULT_PORTS);
            pm.forEach((k, val) -> {
                if (!(val instanceof Integer port) || port < 1 || port > 65535) {
                    problem(f + ".ports." + k, "expected a port number 1..65535, found " + describe(val));
                } else {
                    v.put(k, port);
                }
            });
            return new Ports(v.get("nats"), v.get("nats_monitor"), v.get("control"), v.get("control_monitor"), v.get("control_route"),
                    v.get("control_leaf"), v.get("redis"), v.get("postgres"), v.get("pgbouncer"), v.get("revocation_bus"),
                    v.get("lag_monitor"), v.get("session_router"), v.get("failover_coordinator"), v.get("node_agent"));
        }

        /** Host names unique; no two listeners on one address share a port. */
        void checkHosts(List<Region> regions, List<Node> witnesses) {
            Map<String, String> hostField = new LinkedHashMap<>();
            Map<String, String> portField = new LinkedHashMap<>();
            List<Object[]> all = new ArrayList<>();
            for (int i = 0; i < regions.size(); i++) {
                all.add(new Object[] {"regions[" + i + "]", regions.get(i).host(), regions.get(i).address(), regions.get(i).ports(),
                        DEFAULT_PORTS.keySet()});
            }
            for (int i = 0; i < witnesses.size(); i++) {
                all.add(new Object[] {"control.witnesses[" + i + "]", witnesses.get(i).host(), witnesses.get(i).address(),
                        witnesses.get(i).ports(), WITNESS_PORTS});
            }
            for (Object[] h : all) {
                String f = (String) h[0];
                String host = (String) h[1];
                if (host != null) {
                    String prev = hostField.putIfAbsent(host, f + ".host");
                    if (prev != null) {
                        problem(f + ".host", "\"" + host + "\" is also " + prev + "; each region and witness needs a host of its own");
                    }
                }
                if (h[2] == null) {
                    continue;
                }
                Ports p = (Ports) h[3];
                @SuppressWarnings("unchecked")
                Set<String> keys = (Set<String>) h[4];
                for (String k : DEFAULT_PORTS.keySet()) {
                    if (!keys.contains(k)) {
                        continue;
                    }
                    int port = portOf(p, k);
                    String prev = portField.putIfAbsent(h[2] + ":" + port, f + ".ports." + k);
                    if (prev != null) {
                        problem(f + ".ports." + k, port + " is also " + prev + " on address " + h[2]
                                + "; give each listener on a host its own port");
                    }
                }
            }
        }

        static int portOf(Ports p, String k) {
            return switch (k) {
                case "nats" -> p.nats();
                case "nats_monitor" -> p.natsMonitor();
                case "control" -> p.control();
                case "control_monitor" -> p.controlMonitor();
                case "control_route" -> p.controlRoute();
                case "control_leaf" -> p.controlLeaf();
                case "redis" -> p.redis();
                case "postgres" -> p.postgres();
                case "pgbouncer" -> p.pgbouncer();
                case "revocation_bus" -> p.revocationBus();
                case "lag_monitor" -> p.lagMonitor();
                case "session_router" -> p.sessionRouter();
                case "failover_coordinator" -> p.failoverCoordinator();
                case "node_agent" -> p.nodeAgent();
                default -> throw new IllegalArgumentException(k);
            };
        }

        static String join(String field, String key) {
            return field.isEmpty() ? key : field + "." + key;
        }

        static String describe(Object o) {
            if (o == null) {
                return "nothing";
            }
            if (o instanceof Map) {
                return "a mapping";
            }
            if (o instanceof List) {
                return "a list";
            }
            return "\"" + o + "\"";
        }
    }
}
