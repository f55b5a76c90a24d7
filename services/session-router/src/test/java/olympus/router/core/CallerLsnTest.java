package olympus.router.core;

import olympus.wire.Lsn;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** One row per verdict path of {@link CallerLsn#judge}. */
class CallerLsnTest {
    record Row(String name, String caller, String replayed, String primaryNow, String error, CallerLsn.Verdict verdict,
               String lsn) {}

    static final List<Row> ROWS = List.of(
            new Row("a replica already replayed past it: accepted without asking the primary",
                    "0/3000100", "0/3000200", null, null, CallerLsn.Verdict.ACCEPT, "0/3000100"),
            new Row("exactly the replayed position: accepted", "0/3000200", "0/3000200", null, null, CallerLsn.Verdict.ACCEPT, "0/3000200"),
            new Row("newer than any replica: ask the primary", "0/3000300", "0/3000200", null, null, CallerLsn.Verdict.ASK_PRIMARY, null),
            new Row("no replica sample at all: ask the primary", "0/3000300", null, null, null, CallerLsn.Verdict.ASK_PRIMARY, null),
            new Row("the primary is at or past it: accepted", "0/3000300", "0/3000200", "0/3000300", null, CallerLsn.Verdict.ACCEPT, "0/3000300"),
            new Row("FFFFFFFF/FFFFFFFF, ahead of the primary: refused", "FFFFFFFF/FFFFFFFF", "0/3000200", "0/3000400", null,
                    CallerLsn.Verdict.REFUSE, null),
            new Row("one byte ahead of the primary: refused", "0/3000401", null, "0/3000400", null, CallerLsn.Verdict.REFUSE, null),
            new Row("the primary could not be asked: time-window marker", "0/3000300", "0/3000200", null, "connection refused",
                    CallerLsn.Verdict.WINDOW, null));

    @Test
    void table() {
        assertAll(ROWS.stream().map(r -> () -> {
            CallerLsn v = CallerLsn.judge(Lsn.parse(r.caller()), r.replayed() == null ? null : Lsn.parse(r.replayed()), "us-east",
                    r.primaryNow() == null ? null : Lsn.parse(r.primaryNow()), r.error());
            assertEquals(r.verdict(), v.verdict(), r.name() + ": " + v.detail());
            assertEquals(r.lsn() == null ? null : Lsn.parse(r.lsn()), v.lsn(), r.name());
        }));
    }
}
