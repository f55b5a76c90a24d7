package olympus.revocation.redis;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The keyspace-notification flags the deletion watch adds to whatever the operator set. */
class NotificationFlagsTest {
    @ParameterizedTest
    @CsvSource(value = {"'',Eeg", "geE,geE", "Kx,KxEeg", "AE,AE", "A,AE", "E,Eeg", "Ex,Exeg"}, quoteCharacter = '\'')
    void flagsAreAddedNeverRemoved(String flags, String want) {
        assertEquals(want, RedisDenylist.withFlags(flags));
    }
}
