package olympus.failover.http;

import olympus.apispec.CheckedInSpec;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertNull;

/** The OpenAPI file generated at compile time is the one checked in as docs/api/failover-coordinator.yml. */
class OpenApiSpecTest {
    @Test
    void generatedSpecIsTheCheckedInOne() {
        assertNull(CheckedInSpec.compare("failover-coordinator", "META-INF/swagger/olympus-failover-coordinator-1.yml",
                Path.of(System.getProperty("basedir", "."))));
    }
}
