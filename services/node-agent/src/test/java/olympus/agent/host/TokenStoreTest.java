package olympus.agent.host;

import olympus.wire.FencingToken;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a restarted agent remembers: the newest token it acted on, and whether the fence is its own. */
class TokenStoreTest {
    @Test
    void survivesARestart(@TempDir Path dir) {
        TokenStore first = new TokenStore(dir);
        assertNull(first.load());
        assertFalse(first.selfFenced());
        first.save(new FencingToken(4, 9, "coordinator-eu-west-1"));
        first.selfFenced(true);

        TokenStore again = new TokenStore(dir);
        assertEquals(new FencingToken(4, 9, "coordinator-eu-west-1"), again.load());
        assertTrue(again.selfFenced());
        again.selfFenced(false);
        again.selfFenced(false); // idempotent
        assertFalse(new TokenStore(dir).selfFenced());
    }
}
