package olympus.router;

import io.micronaut.runtime.Micronaut;
import io.swagger.v3.oas.annotations.OpenAPIDefinition;
import io.swagger.v3.oas.annotations.enums.SecuritySchemeType;
import io.swagger.v3.oas.annotations.info.Info;
import io.swagger.v3.oas.annotations.security.SecurityScheme;

@OpenAPIDefinition(info = @Info(title = "olympus session-router", version = "1",
        description = "Per-request primary-or-replica decisions with read-your-writes by WAL position tokens"))
@SecurityScheme(name = Application.API_TOKEN, type = SecuritySchemeType.HTTP, scheme = "bearer",
        description = "One of router.api-tokens (ROUTER_API_TOKENS), on every read and write API; 401 without it")
@SecurityScheme(name = Application.HOOK_TOKEN, type = SecuritySchemeType.HTTP, scheme = "bearer",
        description = "One of router.hook-tokens (ROUTER_HOOK_TOKENS), on the Kratos web_hook endpoints only")
public final class Application {
    /** OpenAPI security scheme names. */
    public static final String API_TOKEN = "apiToken";
    public static final String HOOK_TOKEN = "kratosHookToken";

    private Application() {}

    public static void main(String[] args) {
        Micronaut.run(Application.class, args);
    }
}
