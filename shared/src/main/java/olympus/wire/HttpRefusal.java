package olympus.wire;

/**
 * What the services answer in place of Micronaut's own refusals (413 over
 * micronaut.server.max-request-size, 400 "Malformed URI" for a bad percent-escape, 404, 405, 415,
 * ...): the one place that recognises Micronaut's messages, for every service's
 * {@code ErrorResponseProcessor}, each of which puts this into its own error body.
 *
 * @param rejection the machine-readable class, for APIs whose error body has one
 */
public record HttpRefusal(String message, String field, String rejection) {
    /**
     * @param message Micronaut's message for the first error (null: the status's reason phrase)
     * @param field   Micronaut's path of the first error, if any
     * @param limit   what the body limit is, for a 413 ("1 MiB", "bodies of this API are under 1 KB")
     */
    public static HttpRefusal of(int status, String reason, String message, String field, String limit) {
        String m = message == null ? reason : message;
        if (status == 400 && "Malformed URI".equals(m)) {
            return new HttpRefusal("the request URI is not valid percent-encoding: every % must be followed by two hex digits",
                    "uri", "INVALID_FIELD");
        }
        if (status == 413) {
            return new HttpRefusal(m + " (" + limit + "; the limit is micronaut.server.max-request-size)", "body", "TOO_LARGE");
        }
        return new HttpRefusal(m, field, status >= 500 ? null : "INVALID_REQUEST");
    }
}
