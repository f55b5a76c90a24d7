package olympus.topology;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Starting, finding and stopping the topology's processes, waiting for their ports, and the files they leave (trees, logs). */
final class Proc {
    private Proc() {}

    static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    /** PostgreSQL and PgBouncer refuse to run as root: run them as the postgres user then. */
    static List<String> asPostgres(List<String> cmd) {
        if (!ROOT) {
            return cmd;
        }
        List<String> c = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
        c.addAll(cmd);
        return c;
    }

    /** Runs a command to completion; fails with its output when it exits non-zero. */
    static String run(List<String> cmd, Duration timeout) {
        return run(cmd, timeout, null);
    }

    static String run(List<String> cmd, Duration timeout, java.util.Map<String, String> env) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            if (env != null) {
                pb.environment().putAll(env);
            }
            Process p = pb.start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new TopologyException("timed out after " + timeout.toSeconds() + " s: " + String.join(" ", cmd));
            }
            String text = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new TopologyException("command failed (exit " + p.exitValue() + "): " + String.join(" ", cmd)
                        + "\n" + text.strip());
            }
            return text;
        } catch (IOException e) {
            throw new TopologyException("cannot run " + cmd.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TopologyException("interrupted: " + String.join(" ", cmd), e);
        }
    }

    /**
     * Starts a long-running server detached from us (own session, output to a log file), so
     * that it outlives the command that started it and a Ctrl-C in the operator's terminal.
     */
    static long spawn(List<String> cmd, Path log) {
        List<String> c = new ArrayList<>(List.of("setsid"));
        c.addAll(cmd);
        try {
            Files.createDirectories(log.getParent());
            Process p = new ProcessBuilder(c)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            return p.pid();
        } catch (IOException e) {
            throw new TopologyException("cannot start " + cmd.get(0) + ": " + e.getMessage(), e);
        }
    }

    static boolean alive(long pid) {
        return pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    static Optional<Long> readPid(Path pidFile) {
        try {
            if (!Files.exists(pidFile)) {
                return Optional.empty();
            }
            String first = Files.readAllLines(pidFile).stream().findFirst().orElse("").strip();
            return first.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(first));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    static void signal(long pid, String sig) {
        try {
            new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new TopologyException("cannot signal " + pid, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Every live process whose command line mentions {@code marker} (our working directory). */
    static List<ProcessHandle> mentioning(String marker) {
        List<ProcessHandle> found = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        ProcessHandle.allProcesses().forEach(ph -> {
            if (ph.pid() == self) {
                return;
            }
            try {
                byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(ph.pid()), "cmdline"));
                String cmdline = new String(raw, StandardCharsets.UTF_8).replace('\0', ' ');
                if (cmdline.contains(marker)) {
                    found.add(ph);
                }
            } catch (IOException ignored) {
                // The process ended while we looked.
            }
        });
        return found;
    }

    static boolean portOpen(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new TopologyException("timed out after " + timeout.toMillis() + " ms waiting for " + what);
            }
            sleep(25);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TopologyException("interrupted", e);
        }
    }

    /** Deletes a directory tree (nothing if it does not exist). */
    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (java.util.stream.Stream<Path> walk = Files.walk(root)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }

    /** The last lines of a log file, for error messages; says so instead of failing when it cannot be read. */
    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }
}
