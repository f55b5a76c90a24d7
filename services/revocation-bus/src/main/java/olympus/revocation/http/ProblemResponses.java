package olympus.revocation.http;

import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.server.exceptions.response.Error;
import io.micronaut.http.server.exceptions.response.ErrorContext;
import io.micronaut.http.server.exceptions.response.ErrorResponseProcessor;
import jakarta.inject.Singleton;
import olympus.revocation.api.Replies;

/**
 * Every error Micronaut itself answers (413 for a body over micronaut.server.max-request-size,
 * 400 for a bad percent-escape or an undecodable body, 404, 405, 415, ...) in this API's error
 * body, {@code {"error","field","rejection"}}, instead of Micronaut's default
 * {@code _embedded.errors} shape; on the SET endpoint in RFC 8935's {@code {"err","description"}},
 * which is what a transmitter parses. Micronaut's own processor yields to any other (it is
 * {@code @Requires(missingBeans = ErrorResponseProcessor.class)}).
 */
@Singleton
final class ProblemResponses implements ErrorResponseProcessor<Object> {
    @Override
    @SuppressWarnings("unchecked")
    public MutableHttpResponse<Object> processResponse(ErrorContext ctx, MutableHttpResponse<?> base) {
        if (ctx.getRequest().getMethod() == HttpMethod.HEAD) {
            return (MutableHttpResponse<Object>) base;
        }
        Replies.ErrorReply e = problem(ctx, base.status());
        Object body = ctx.getRequest().getPath().startsWith("/v1/revocations/caep")
                ? new RevocationController.SetReply(SetError.INVALID_REQUEST, e.error()) : e;
        return ((MutableHttpResponse<Object>) base).body(body).contentType(MediaType.APPLICATION_JSON_TYPE);
    }

    static Replies.ErrorReply problem(ErrorContext ctx, HttpStatus status) {
        Error first = ctx.getErrors().isEmpty() ? null : ctx.getErrors().get(0);
        String message = first == null || first.getMessage() == null ? status.getReason() : first.getMessage();
        String field = first == null ? null : first.getPath().orElse(null);
        if (status == HttpStatus.BAD_REQUEST && "Malformed URI".equals(message)) {
            // Micronaut's answer to a bad escape (%zz, a trailing %) in the path or query.
            return new Replies.ErrorReply("the request URI is not valid percent-encoding: every % must be followed by two hex digits",
                    "uri", null, "INVALID_FIELD");
        }
        if (status == HttpStatus.REQUEST_ENTITY_TOO_LARGE) {
            return new Replies.ErrorReply(message + " (the limit is micronaut.server.max-request-size, 1 MiB)", "body", null, "TOO_LARGE");
        }
        if (status == HttpStatus.UNAUTHORIZED) {
            return new Replies.ErrorReply(message, "Authorization", null, "UNAUTHENTICATED");
        }
        return new Replies.ErrorReply(message, field, null, status.getCode() >= 500 ? null : "INVALID_REQUEST");
    }
}
