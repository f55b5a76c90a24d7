package olympus.router.http;

import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.server.exceptions.response.Error;
import io.micronaut.http.server.exceptions.response.ErrorContext;
import io.micronaut.http.server.exceptions.response.ErrorResponseProcessor;
import jakarta.inject.Singleton;

/**
 * Every error Micronaut itself answers (413 for a body over micronaut.server.max-request-size,
 * 400 for a body it cannot decode, 404, 405, 415, ...) in the API's one error body,
 * {@code {"error","field"}}, instead of Micronaut's default {@code _embedded.errors} shape: a
 * caller parses one shape whatever refused it. Micronaut's own processor yields to any other
 * (it is {@code @Requires(missingBeans = ErrorResponseProcessor.class)}).
 */
@Singleton
final class ProblemResponses implements ErrorResponseProcessor<Api.Problem> {
    @Override
    @SuppressWarnings("unchecked")
    public MutableHttpResponse<Api.Problem> processResponse(ErrorContext ctx, MutableHttpResponse<?> base) {
        if (ctx.getRequest().getMethod() == HttpMethod.HEAD) {
            return (MutableHttpResponse<Api.Problem>) base;
        }
        return ((MutableHttpResponse<Api.Problem>) base).body(problem(ctx, base.status())).contentType(MediaType.APPLICATION_JSON_TYPE);
    }

    static Api.Problem problem(ErrorContext ctx, HttpStatus status) {
        Error first = ctx.getErrors().isEmpty() ? null : ctx.getErrors().get(0);
        olympus.wire.HttpRefusal r = olympus.wire.HttpRefusal.of(status.getCode(), status.getReason(), first == null ? null : first.getMessage(),
                first == null ? null : first.getPath().orElse(null), "bodies of this API are under 1 KB");
        return new Api.Problem(r.message(), r.field()); // the router's error body has no rejection
    }
}
