package olympus.router.bench;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.serde.annotation.Serdeable;

/**
 * The benchmark's baseline: a Micronaut endpoint returning a constant JSON body of about the same
 * size as a routing answer, served by a second JVM of the same application (same framework set-up
 * and flags), so the router's JVM sees only decisions. Present only when
 * {@code router.bench.bare-endpoint=true}.
 */
@Controller("/bare")
@Requires(property = "router.bench.bare-endpoint", value = "true")
public class BareController {
    @Serdeable
    public record Constant(String target, String region, String primary, long epoch, String reason) {}

    private static final Constant C = new Constant("REPLICA", "eu-west", "us-east", 1, "OK");

    @Get
    public Constant get() {
        return C;
    }
}
