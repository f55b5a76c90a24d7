package olympus.agent.host;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs the host's commands (pg_ctl, pg_rewind, psql) with a timeout, as the postgres user when the agent runs as root. */
final class Commands {
    private static final Logger LOG = LoggerFactory.getLogger(Commands.class);
    static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    private Commands() {}

    static List<String> asPostgres(List<String> cmd) {
        if (!ROOT) {
            return cmd;
        }
        List<String> c = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
        c.addAll(cmd);
        return c;
    }

    /** Files the agent writes into the data directory must stay the postgres user's. */
    static void chown(Path p) {
        if (ROOT) {
            run(List.of("chown", "postgres:postgres", p.toString()), Duration.ofSeconds(10), Map.of());
        }
    }

    static String run(List<String> cmd, Duration timeout, Map<String, String> env) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().putAll(env);
            Process p = pb.start();
            p.getOutputStream().close();
            // Read in the background so that the timeout holds even if the command never ends.
            CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> {
                try {
                    return p.getInputStream().readAllBytes();
                } catch (IOException e) {
                    return new byte[0];
                }
            });
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out after " + timeout.toMillis() + " ms: " + String.join(" ", cmd.subList(0, Math.min(cmd.size(), 8))));
            }
            String text = new String(out.join(), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException("command failed (exit " + p.exitValue() + "): " + String.join(" ", cmd) + ": " + text.strip());
            }
            LOG.debug("{}: {}", cmd, text.strip());
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }

    static String lastLine(String s) {
        List<String> l = s == null ? List.of() : s.lines().toList();
        return l.isEmpty() ? "" : l.get(l.size() - 1);
    }
}
