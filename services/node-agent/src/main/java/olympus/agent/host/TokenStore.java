package olympus.agent.host;

import com.fasterxml.jackson.databind.ObjectMapper;
import olympus.wire.FencingToken;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The newest fencing token this agent has acted on, on disk, so that a restarted agent still
 * refuses the deposed leader it refused before. Written (renamed into place) before the action
 * it admits.
 */
public final class TokenStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;
    private final Path selfFenced;

    public TokenStore(Path dir) {
        this.file = dir.resolve("fencing-token.json");
        this.selfFenced = dir.resolve("self-fenced");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the agent's state directory " + dir + ": " + e.getMessage(), e);
        }
    }

    public FencingToken load() {
        try {
            return Files.exists(file) ? JSON.readValue(file.toFile(), FencingToken.class) : null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + " (delete it only if no deposed leader may still send requests): "
                    + e.getMessage(), e);
        }
    }

    public void save(FencingToken t) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, JSON.writeValueAsBytes(t));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Whether this agent fenced its primary by itself and has not lifted it. Kept on disk: the
     * fence is (ALTER SYSTEM), so an agent restarted without it took a fence of its own for a
     * coordinator's, never lifted it, and no command could (a switchover needs a writable
     * primary): writes stayed down after the quorum came back.
     */
    public boolean selfFenced() {
        return Files.exists(selfFenced);
    }

    public void selfFenced(boolean fenced) {
        try {
            if (fenced) {
                Files.write(selfFenced, new byte[0]);
            } else {
                Files.deleteIfExists(selfFenced);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot " + (fenced ? "write " : "delete ") + selfFenced + ": " + e.getMessage(), e);
        }
    }
}
