package olympus.apispec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The OpenAPI file micronaut-openapi generates at compile time (on the test class path under
 * {@code META-INF/swagger/}) against the one checked in under {@code docs/api/SERVICE.yml}, so a
 * change to a service's API shows in review as a change to that file. A plain unit test: no server.
 *
 * <p>To accept a change: {@code docs/api/update} (compiles the services and copies every generated
 * file), or run the service's {@code OpenApiSpecTest} with {@code -Dopenapi.update=true}, which
 * writes the generated file over the checked-in one and passes.
 */
public final class CheckedInSpec {
    public static final String UPDATE_PROPERTY = "openapi.update";

    private CheckedInSpec() {}

    /**
     * @param service     the name under docs/api ({@code session-router})
     * @param generated   the generated file's class path resource ({@code META-INF/swagger/olympus-session-router-1.yml})
     * @param moduleDir   the Maven module's directory (surefire's working directory), two levels under the repository
     * @return null when equal (or just updated), otherwise the failure message
     */
    public static String compare(String service, String generated, Path moduleDir) {
        String actual;
        try (InputStream in = CheckedInSpec.class.getClassLoader().getResourceAsStream(generated)) {
            if (in == null) {
                return "the build generated no " + generated + ": is micronaut-openapi on the annotation processor path?";
            }
            actual = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path repo = moduleDir.toAbsolutePath().normalize().getParent().getParent();
        Path file = repo.resolve("docs/api/" + service + ".yml");
        try {
            if (Boolean.getBoolean(UPDATE_PROPERTY)) {
                Files.createDirectories(file.getParent());
                Files.writeString(file, actual);
                return null;
            }
            if (!Files.exists(file)) {
                return "no checked-in " + repo.relativize(file) + "; " + howToUpdate(service);
            }
            String expected = Files.readString(file);
            if (expected.equals(actual)) {
                return null;
            }
            return repo.relativize(file) + " differs from the OpenAPI the code generates (" + generated + "), "
                    + firstDifference(expected, actual) + ". If the API change is intended, " + howToUpdate(service)
                    + " and commit the file with the change.";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String howToUpdate(String service) {
        return "run docs/api/update (or this test with -D" + UPDATE_PROPERTY + "=true) to write the generated spec to docs/api/"
                + service + ".yml";
    }

    static String firstDifference(String expected, String actual) {
        List<String> e = expected.lines().toList();
        List<String> a = actual.lines().toList();
        for (int i = 0; i < Math.max(e.size(), a.size()); i++) {
            String x = i < e.size() ? e.get(i) : "<end of file>";
            String y = i < a.size() ? a.get(i) : "<end of file>";
            if (!x.equals(y)) {
                return "first at line " + (i + 1) + ": checked in '" + x.strip() + "', generated '" + y.strip() + "'";
            }
        }
        return "in line endings or the final newline";
    }
}
