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

    public TokenStore(Path dir) {
        this.file = dir.resolve("fencing-token.json");
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
}
