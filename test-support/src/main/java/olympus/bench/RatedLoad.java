package olympus.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Latency at a fixed request rate: runs {@code ratedload} (C, open loop, each request timed from
 * when it was due, so a stall is charged to every request it delayed; see ratedload.c), and
 * {@code consthttp}, a C server answering a constant, as the machine's own floor. Both are
 * compiled from this module's resources with the machine's gcc on first use.
 *
 * <p>wrk (see {@link Wrk}) measures throughput at saturation; its latency is that of a saturated
 * server with a fixed number of requests outstanding, and it does not count the time a stalled
 * request kept the next ones from being sent. A latency target is about a server carrying a given
 * load, which is what this measures.
 */
public final class RatedLoad {
    private RatedLoad() {}

    /** One run's figures, from ratedload's key=value line. */
    public record Result(double perSecond, double p50Ms, double p90Ms, double p99Ms, double p999Ms, double maxMs,
                         long recorded, long non2xx, long errors, long lateSends) {
        public String line() {
            return String.format("%,.0f/s p50 %.3f p90 %.3f p99 %.3f p99.9 %.3f max %.3f ms", perSecond, p50Ms, p90Ms, p99Ms, p999Ms, maxMs);
        }
    }

    /**
     * Sends {@code rate} requests/s over {@code connections} keep-alive connections for
     * {@code warmupS} unmeasured then {@code seconds} measured seconds. A {@code %d} in the path is
     * replaced per request by a random number below {@code randMax}.
     */
    public static Result run(int port, int rate, int connections, int warmupS, int seconds, String path, int randMax)
            throws IOException, InterruptedException {
        return run(port, rate, connections, warmupS, seconds, path, randMax, null);
    }

    /** The same with one more request header line ("Authorization: Bearer …"), or none if null. */
    public static Result run(int port, int rate, int connections, int warmupS, int seconds, String path, int randMax, String header)
            throws IOException, InterruptedException {
        Path exe = compiled("ratedload");
        List<String> cmd = new java.util.ArrayList<>(List.of(exe.toString(), "127.0.0.1", Integer.toString(port), Integer.toString(rate),
                Integer.toString(connections), Integer.toString(warmupS), Integer.toString(seconds), path, Integer.toString(randMax)));
        if (header != null) {
            cmd.add(header);
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("ratedload failed: " + out);
        }
        Map<String, String> kv = new HashMap<>();
        for (String part : out.strip().split("\\s+")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                kv.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        if (!kv.containsKey("p99_ms")) {
            throw new IOException("ratedload printed no figures: " + out);
        }
        return new Result(d(kv, "rate_per_s"), d(kv, "p50_ms"), d(kv, "p90_ms"), d(kv, "p99_ms"), d(kv, "p999_ms"), d(kv, "max_ms"),
                (long) d(kv, "recorded"), (long) d(kv, "non2xx"), (long) d(kv, "errors"), (long) d(kv, "late_sends"));
    }

    /** The constant C server on a free loopback port; closing it stops it. */
    public record ConstServer(Process process, int port) implements AutoCloseable {
        @Override
        public void close() {
            process.destroy();
        }
    }

    public static ConstServer startConstServer() throws IOException, InterruptedException {
        int port;
        try (java.net.ServerSocket ss = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = ss.getLocalPort();
        }
        Process p = new ProcessBuilder(List.of(compiled("consthttp").toString(), Integer.toString(port)))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Thread.sleep(200);
        if (!p.isAlive()) {
            throw new IOException("consthttp exited at once (port " + port + " taken?)");
        }
        return new ConstServer(p, port);
    }

    private static double d(Map<String, String> kv, String k) {
        String v = kv.get(k);
        return v == null ? Double.NaN : Double.parseDouble(v);
    }

    /** gcc -O2 of the named resource into a per-user cache, once per JVM and source change. */
    static synchronized Path compiled(String name) throws IOException, InterruptedException {
        byte[] src;
        try (InputStream in = RatedLoad.class.getResourceAsStream(name + ".c")) {
            if (in == null) {
                throw new IOException("resource olympus/bench/" + name + ".c missing");
            }
            src = in.readAllBytes();
        }
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "olympus-bench-tools");
        Files.createDirectories(dir);
        Path exe = dir.resolve(name + "-" + Integer.toHexString(java.util.Arrays.hashCode(src)));
        if (Files.isExecutable(exe)) {
            return exe;
        }
        Path c = Files.createTempFile(dir, name, ".c");
        Files.write(c, src);
        Path tmp = Files.createTempFile(dir, name, ".bin");
        Process gcc;
        try {
            gcc = new ProcessBuilder("gcc", "-O2", "-o", tmp.toString(), c.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("cannot run gcc to build the benchmark tool " + name + ": install the Debian package gcc"
                    + " (apt-get install -y gcc, or deploy/local/install-deps): " + e.getMessage(), e);
        }
        String out = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (gcc.waitFor() != 0) {
            throw new IOException("gcc failed on " + name + ".c:\n" + out);
        }
        Files.deleteIfExists(c);
        Files.move(tmp, exe, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return exe;
    }
}
