package olympus.failover;

import io.micronaut.runtime.Micronaut;
import io.swagger.v3.oas.annotations.OpenAPIDefinition;
import io.swagger.v3.oas.annotations.info.Info;

@OpenAPIDefinition(info = @Info(title = "olympus failover-coordinator", version = "1",
        description = "Switchover, failover and migration pauses with one leader and fencing tokens; the HTTP API for automation"))
public final class Application {
    private Application() {}

    public static void main(String[] args) {
        Micronaut.run(Application.class, args);
    }
}
