package olympus.revocation;

import io.micronaut.runtime.Micronaut;
import io.swagger.v3.oas.annotations.OpenAPIDefinition;
import io.swagger.v3.oas.annotations.info.Info;

/** revocation-bus: one per region (see README.md). */
@OpenAPIDefinition(info = @Info(title = "olympus revocation-bus", version = "1",
        description = "Durable multi-region revocation of tokens, sessions, subjects and clients; the check API fails closed; Ory Hydra token_hook"))
public final class Application {
    private Application() {}

    public static void main(String[] args) {
        Micronaut.run(Application.class, args);
    }
}
