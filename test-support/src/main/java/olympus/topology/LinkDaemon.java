package olympus.topology;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The links between regions: one TCP forwarder per (from, to, kind), all in this one process.
 * Cutting a region closes every link that touches it, both the listeners (new connections are
 * refused) and the connections already open, which is what a partition looks like to NATS routes,
 * leaf nodes, streaming replication and PgBouncer. Healing opens the listeners again.
 *
 * <p>This exists because the machines have no {@code tc netem} and the servers all share
 * loopback: a region's traffic to other regions must pass through something we can cut.
 * Control: one line per TCP connection on {@link Ports#linkControl()}: {@code cut REGION},
 * {@code heal REGION}, {@code status}. The cut set is kept in {@code cuts.txt}, so a restarted
 * daemon keeps a partition in place.
 */
public final class LinkDaemon {
    public static final String LINKS_FILE = "links.json";
    static final String CUTS_FILE = "cuts.txt";

    /** One forwarder; regions are the node names at each end. */
    public record Link(String name, String from, String to, int listenPort, int targetPort) {}

    private final Path dir;
    private final List<Forwarder> forwarders = new ArrayList<>();
    private final Set<String> cut = ConcurrentHashMap.newKeySet();

    LinkDaemon(Path dir, List<Link> links) throws IOException {
        this.dir = dir;
        Path cuts = dir.resolve(CUTS_FILE);
        if (Files.exists(cuts)) {
            Files.readAllLines(cuts).stream().map(String::strip).filter(s -> !s.isEmpty()).forEach(cut::add);
        }
        for (Link l : links) {
            forwarders.add(new Forwarder(l));
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2 || !args[0].equals("--dir")) {
            System.err.println("usage: LinkDaemon --dir WORKDIR");
            System.exit(2);
        }
        Path dir = Path.of(args[1]);
        Link[] links = new ObjectMapper().readValue(dir.resolve(LINKS_FILE).toFile(), Link[].class);
        int controlPort = Integer.parseInt(Files.readString(dir.resolve("link-control.port")).strip());
        LinkDaemon d = new LinkDaemon(dir, Arrays.asList(links));
        d.applyAll();
        d.serveControl(controlPort);
    }

    private void applyAll() {
        for (Forwarder f : forwarders) {
            f.setOpen(!isCut(f.link));
        }
    }

    private boolean isCut(Link l) {
        return cut.contains(l.from()) || cut.contains(l.to());
    }

    private void serveControl(int port) throws IOException {
        try (ServerSocket ss = new ServerSocket()) {
            ss.setReuseAddress(true);
            ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            System.out.println("link daemon: " + forwarders.size() + " links, control on " + port + ", cut: " + cut);
            while (true) {
                try (Socket s = ss.accept();
                     BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                     PrintWriter out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8)) {
                    String line = in.readLine();
                    out.println(handle(line == null ? "" : line.strip()));
                } catch (IOException e) {
                    System.out.println("control connection failed: " + e.getMessage());
                }
            }
        }
    }

    synchronized String handle(String line) throws IOException {
        String[] w = line.split("\\s+");
        switch (w[0]) {
            case "cut", "heal" -> {
                if (w.length != 2) {
                    return "error: usage: " + w[0] + " REGION";
                }
                if (w[0].equals("cut")) {
                    cut.add(w[1]);
                } else {
                    cut.remove(w[1]);
                }
                Files.write(dir.resolve(CUTS_FILE), new TreeSet<>(cut));
                applyAll();
                System.out.println(w[0] + " " + w[1] + " -> cut: " + cut);
                return "ok cut=" + String.join(",", new TreeSet<>(cut));
            }
            case "status" -> {
                return "ok cut=" + String.join(",", new TreeSet<>(cut));
            }
            default -> {
                return "error: unknown command '" + line + "' (cut REGION | heal REGION | status)";
            }
        }
    }

    /** Sends one command to a running daemon and returns its answer. */
    public static String send(int controlPort, String command) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), controlPort), 1000);
            s.setSoTimeout(5000);
            PrintWriter out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8);
            out.println(command);
            String answer = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
            if (answer == null || answer.startsWith("error")) {
                throw new TopologyException("link daemon refused '" + command + "': " + answer);
            }
            return answer;
        } catch (IOException e) {
            throw new TopologyException("link daemon not reachable on port " + controlPort
                    + " (is the topology up? try: deploy/local/topology up): " + e.getMessage(), e);
        }
    }

    private static final class Forwarder {
        final Link link;
        private ServerSocket server;
        private final Set<Socket> open = ConcurrentHashMap.newKeySet();

        Forwarder(Link link) {
            this.link = link;
        }

        synchronized void setOpen(boolean wanted) {
            if (wanted && server == null) {
                server = bind();
                ServerSocket ss = server;
                Thread t = new Thread(() -> acceptLoop(ss), "link-" + link.name());
                t.setDaemon(true);
                t.start();
            } else if (!wanted && server != null) {
                closeQuietly(server);
                server = null;
                for (Socket s : open) {
                    closeQuietly(s);
                }
                open.clear();
            }
        }

        private ServerSocket bind() {
            for (int attempt = 0; ; attempt++) {
                try {
                    ServerSocket ss = new ServerSocket();
                    ss.setReuseAddress(true);
                    ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), link.listenPort()), 128);
                    return ss;
                } catch (IOException e) {
                    if (attempt >= 100) {
                        throw new TopologyException("cannot listen on " + link.listenPort() + " for link " + link.name(), e);
                    }
                    Proc.sleep(50);
                }
            }
        }

        private void acceptLoop(ServerSocket ss) {
            while (!ss.isClosed()) {
                Socket client;
                try {
                    client = ss.accept();
                } catch (IOException e) {
                    return; // closed by a cut
                }
                try {
                    Socket upstream = new Socket();
                    upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), link.targetPort()), 2000);
                    client.setTcpNoDelay(true);
                    upstream.setTcpNoDelay(true);
                    open.add(client);
                    open.add(upstream);
                    pump(client, upstream);
                    pump(upstream, client);
                } catch (IOException e) {
                    closeQuietly(client); // target down: the caller sees the connection drop, as it would
                }
            }
        }

        private void pump(Socket from, Socket to) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[64 * 1024];
                try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        out.write(buf, 0, n);
                    }
                } catch (IOException ignored) {
                    // Either side closed, or the link was cut.
                } finally {
                    closeQuietly(from);
                    closeQuietly(to);
                    open.remove(from);
                    open.remove(to);
                }
            }, "pump-" + link.name());
            t.setDaemon(true);
            t.start();
        }

        private static void closeQuietly(java.io.Closeable c) {
            try {
                c.close();
            } catch (IOException ignored) {
                // Closing is best effort.
            }
        }
    }
}
