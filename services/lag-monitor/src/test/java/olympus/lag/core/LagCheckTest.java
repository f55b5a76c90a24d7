package olympus.lag.core;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

class LagCheckTest {
    static Assessment a(LagState s, Double lag) {
        return new Assessment("eu-west", s, Reason.WITHIN_THRESHOLD, "d", 0, lag, Samples.T0);
    }

    record Row(String name, Assessment a, Double max, int status, Reason reason) {}

    static final List<Row> ROWS = List.of(
            new Row("OK, no max: 200", a(LagState.OK, 100.0), null, 200, Reason.WITHIN_THRESHOLD),
            new Row("LAGGING, no max: 429", a(LagState.LAGGING, 3000.0), null, 429, Reason.WITHIN_THRESHOLD),
            new Row("LAGGING but within the caller's max: 200", a(LagState.LAGGING, 3000.0), 10_000.0, 200, Reason.WITHIN_THRESHOLD),
            new Row("OK but over the caller's max: 429", a(LagState.OK, 300.0), 200.0, 429, Reason.OVER_REQUESTED_MAX),
            new Row("STALE never passes, whatever the max", a(LagState.STALE, 1.0), 1e9, 429, Reason.WITHIN_THRESHOLD),
            new Row("UNKNOWN never passes", a(LagState.UNKNOWN, null), 1e9, 429, Reason.WITHIN_THRESHOLD),
            new Row("no data at all", null, 1e9, 429, Reason.UNKNOWN_REPLICA));

    @Test
    void table() {
        assertAll(ROWS.stream().map(r -> () -> {
            CheckResult c = LagCheck.check(r.a(), r.max());
            assertEquals(r.status(), c.httpStatus(), r.name());
            assertEquals(r.reason(), c.reason(), r.name());
        }));
    }
}
