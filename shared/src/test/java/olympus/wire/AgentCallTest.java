package olympus.wire;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentCallTest {
    @Test
    void aRequestRoundTrips() {
        AgentCall c = AgentCall.of(AgentCall.Op.REJOIN, new FencingToken(3, 9, "coordinator-eu-west-1"), "eu-west", 90_000L, true, null);
        AgentCall back = AgentCall.parse(c.toJson());
        assertEquals(c, back);
        assertEquals(AgentCall.Op.REJOIN, back.operation());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "not json                                                                   | malformed request",
            "{\"v\":2,\"op\":\"STATUS\"}                                                | unsupported protocol version 2",
            "{\"v\":1,\"op\":\"DROP_DATABASE\"}                                         | unknown op 'DROP_DATABASE'",
            "{\"v\":1,\"op\":\"FENCE\"}                                                 | FENCE needs a fencing token",
            "{\"v\":1,\"op\":\"FOLLOW\",\"token\":{\"term\":1,\"epoch\":1,\"leader\":\"x\"}} | FOLLOW needs 'primary'",
            "{\"v\":1,\"op\":\"FOLLOW\",\"primary\":\"EU WEST\",\"token\":{\"term\":1,\"epoch\":1,\"leader\":\"x\"}} | not a region name",
            "{\"v\":1,\"op\":\"APPLY\",\"token\":{\"term\":1,\"epoch\":1,\"leader\":\"x\"}}  | APPLY needs 'sql'",
            "{\"v\":1,\"op\":\"PAUSE_POOL\",\"timeoutMs\":-5,\"token\":{\"term\":1,\"epoch\":1,\"leader\":\"x\"}} | timeoutMs must be",
            "{\"v\":1,\"op\":\"FENCE\",\"token\":{\"term\":-1,\"epoch\":1,\"leader\":\"x\"}} | malformed request",
            "{\"v\":1,\"op\":\"STATUS\",\"extra\":true}                                 | malformed request",
    })
    void aBadRequestIsRefusedWithItsReason(String body, String reason) {
        AgentCall.BadRequest e = assertThrows(AgentCall.BadRequest.class, () -> AgentCall.parse(body.strip().getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    @Test
    void anOversizedOrEmptyRequestIsRefusedBeforeParsing() {
        assertTrue(assertThrows(AgentCall.BadRequest.class, () -> AgentCall.parse(new byte[AgentCall.MAX_BYTES + 1])).getMessage()
                .contains("exceeds"));
        assertTrue(assertThrows(AgentCall.BadRequest.class, () -> AgentCall.parse(new byte[0])).getMessage().contains("empty"));
    }

    @Test
    void aStatusNeedsNoToken() {
        assertEquals(AgentCall.Op.STATUS, AgentCall.parse("{\"v\":1,\"op\":\"STATUS\"}".getBytes(StandardCharsets.UTF_8)).operation());
    }
}
