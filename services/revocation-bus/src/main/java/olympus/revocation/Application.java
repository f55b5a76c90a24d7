package olympus.revocation;

import io.micronaut.runtime.Micronaut;

/** revocation-bus: one per region (see README.md). */
public final class Application {
    private Application() {}

    public static void main(String[] args) {
        Micronaut.run(Application.class, args);
    }
}
