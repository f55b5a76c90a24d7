package olympus.revocation.core;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FailuresTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "OOM command not allowed when used memory > 'maxmemory'.|RETRY",
            "ERR Error running script (call to f_x): @user_script:12: OOM command not allowed when used memory|RETRY",
            "LOADING Redis is loading the dataset in memory|RETRY",
            "READONLY You can't write against a read only replica.|RETRY",
            "BUSY Redis is busy running a script.|RETRY",
            "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk|RETRY",
            "WRONGTYPE Operation against a key holding the wrong kind of value|POISON",
            "ERR value is not an integer or out of range|POISON",
            "ERR Error running script: @user_script:9: WRONGTYPE Operation against a key|POISON",
    })
    void aRedisReplyIsRetriedOnlyWhenRedisCannotWriteAnythingNow(String reply, Failures.Kind kind) {
        assertEquals(kind, Failures.classifyReply(reply));
    }
}
