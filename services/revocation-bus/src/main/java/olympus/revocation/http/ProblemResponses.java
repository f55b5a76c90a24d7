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
        olympus.wire.HttpRefusal r = olympus.wire.HttpRefusal.of(status.getCode(), status.getReason(), first == null ? null : first.getMessage(),
                first == null ? null : first.getPath().orElse(null), "bodies up to 1 MiB");
        return new Replies.ErrorReply(r.message(), r.field(), null, r.rejection());
    }
}
