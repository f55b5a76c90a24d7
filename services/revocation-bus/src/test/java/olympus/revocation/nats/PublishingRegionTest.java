package olympus.revocation.nats;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The region an applied message's subject vouches for: view-stream and express subjects, anything else none. */
class PublishingRegionTest {
    @ParameterizedTest
    @CsvSource({
            "olympus.revocation.us-east.token, us-east",
            "olympus.revocation.eu-west.session, eu-west",
            "olympus.revocation-bus.express.ap-south, ap-south",
            "olympus.lag.us-east.sample, ?",
            "something.else, ?"})
    void regionOfTheSubject(String subject, String region) {
        assertEquals(region, BatchApplier.publishingRegion(subject));
    }
}
