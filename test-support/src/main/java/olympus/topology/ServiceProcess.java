package olympus.topology;

import olympus.render.NatsRole;


import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A service as its own JVM, as deployed (deploy/local/services): configured only from the
 * environment {@code deploy/local/topology env REGION ROLE} prints, on a free HTTP port, from the
 * benchmark's own class path (so a benchmark-only controller can be switched on by a system
 * property), or from another class path. Benchmarks measure a service this way so that their load generator, their own JIT
 * and GC, and a second service's traffic do not share its JVM.
 */
public record ServiceProcess(Process process, int port, Path log, String host) implements AutoCloseable {
    public ServiceProcess(Process process, int port, Path log) {
        this(process, port, log, "127.0.0.1");
    }

    /**
     * @param portVariable the service's HTTP port variable, e.g. {@code HTTP_PORT_SESSION_ROUTER}
     * @param jvmArgs      flags and system properties (the ones deploy/local/services uses, plus extras)
     */
    public static ServiceProcess start(LocalTopology t, String region, NatsRole role, String mainClass, String portVariable,
                                       List<String> jvmArgs, Map<String, String> extraEnv) throws IOException {
        return start(t, region, role, mainClass, portVariable, jvmArgs, extraEnv, System.getProperty("java.class.path"));
    }

    /** As above, on the given class path. */
    public static ServiceProcess start(LocalTopology t, String region, NatsRole role, String mainClass, String portVariable,
                                       List<String> jvmArgs, Map<String, String> extraEnv, String classPath) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> java = new ArrayList<>();
        java.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        java.addAll(jvmArgs);
        java.addAll(List.of("-cp", classPath, mainClass));
        // In hosts mode the service runs inside its region's network namespace, as on its host.
        List<String> cmd = t.inRegion(region, java);
        Path log = Files.createTempFile("bench-" + role.user() + "-" + region + "-", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        for (String line : t.env(region, role).split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                pb.environment().put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        pb.environment().putAll(extraEnv);
        pb.environment().put(portVariable, Integer.toString(port));
        return new ServiceProcess(pb.start(), port, log, t.host(region));
    }

    public String baseUrl() {
        return "http://" + host + ":" + port;
    }

    /** utime+stime of the whole process, in clock ticks (USER_HZ, 100/s on Linux). */
    public long cpuTicks() throws IOException {
        String stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** utime+stime of the JIT compiler threads (C1/C2 CompilerThread*), from /proc/PID/task. */
    public long jitTicks() throws IOException {
        long sum = 0;
        try (var tasks = Files.list(Path.of("/proc/" + process.pid() + "/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    if (comm.contains("CompilerThre")) {
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        sum += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    }
                } catch (IOException | RuntimeException gone) {
                    // thread ended between list and read
                }
            }
        }
        return sum;
    }

    /** The last lines of its log, for an error message when it did not come up. */
    public String logTail() {
        return Proc.tail(log, 30);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
