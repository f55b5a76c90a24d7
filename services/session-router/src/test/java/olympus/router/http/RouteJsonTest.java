package olympus.router.http;

import io.micronaut.serde.ObjectMapper;
import olympus.router.core.ReadDecision;
import olympus.router.core.ReadReason;
import olympus.router.core.Target;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The hand-written read answer is the document Micronaut Serialization makes of Api.ReadRoute. */
class RouteJsonTest {
    @Test
    void sameDocumentAsTheSerializer() throws Exception {
        ObjectMapper mapper = ObjectMapper.getDefault();
        List<ReadDecision> ds = List.of(
                d(Target.REPLICA, "eu-west", "us-east", 1, ReadReason.OK, null),
                d(Target.REPLICA, "eu-west", "us-east", 1, ReadReason.OK, null),
                d(Target.REPLICA, "eu-west", "us-east", 2, ReadReason.OK, null),
                d(Target.PRIMARY, "us-east", "us-east", 7, ReadReason.RECENT_WRITE, "replica at 0/4026338, marker at 0/4026500"),
                d(Target.PRIMARY, "us-east", "us-east", 0, ReadReason.LAG_UNKNOWN, ""),
                d(Target.PRIMARY, null, null, 3, ReadReason.NO_REPLICA, "quote \" backslash \\ tab \t nl \n ctl \u0001 é ✓"));
        for (ReadDecision d : ds) {
            String expected = mapper.writeValueAsString(new Api.ReadRoute(d.target().name(), d.region(), d.primary(), d.epoch(),
                    d.reason().name(), d.detail()));
            assertEquals(mapper.readValue(expected, Object.class),
                    mapper.readValue(new String(RouteJson.encode(d), StandardCharsets.UTF_8), Object.class), expected);
        }
        assertEquals("{\"target\":\"REPLICA\",\"region\":\"eu-west\",\"primary\":\"us-east\",\"epoch\":1,\"reason\":\"OK\"}",
                new String(RouteJson.encode(ds.get(0)), StandardCharsets.UTF_8));
    }

    private static ReadDecision d(Target t, String region, String primary, long epoch, ReadReason r, String detail) {
        return new ReadDecision(t, region, primary, epoch, r, detail, null, null, null);
    }
}
