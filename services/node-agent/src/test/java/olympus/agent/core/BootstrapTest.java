package olympus.agent.core;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One row per reason. */
class BootstrapTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # case                                   | initialized | clone | primary | operation | action  | reason contains
            a cluster is there                       | true        | true  | us-east | false     | NONE    | holds a cluster
            a cluster is there, even as primary      | true        | true  | eu-west | true      | NONE    | holds a cluster
            empty, bootstrap off                     | false       | false | us-east | false     | REFUSE  | bootstrap is off
            empty, no topology yet                   | false       | true  | -       | false     | WAIT    | no topology read
            empty, this region is the primary        | false       | true  | eu-west | false     | REFUSE  | does not create a primary
            empty, an operation is running           | false       | true  | us-east | true      | WAIT    | an operation is running
            empty, another region is the primary     | false       | true  | us-east | false     | CLONE   | us-east is the primary
            """)
    void decides(String name, boolean initialized, boolean clone, String primary, boolean operation, Bootstrap.Action action,
                 String reason) {
        Bootstrap b = Bootstrap.decide("eu-west", initialized, clone, primary, operation);
        assertEquals(action, b.action(), b.reason());
        assertTrue(b.reason().contains(reason), b.reason());
    }
}
