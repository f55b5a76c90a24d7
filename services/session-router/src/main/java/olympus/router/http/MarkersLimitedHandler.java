package olympus.router.http;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;

/** 429 for {@link MarkersLimitedException}: the API's error body, and when to retry (RFC 6585 §4). */
@Produces
@Singleton
@Requires(classes = {MarkersLimitedException.class, ExceptionHandler.class})
public class MarkersLimitedHandler implements ExceptionHandler<MarkersLimitedException, HttpResponse<Api.Problem>> {
    @Override
    public HttpResponse<Api.Problem> handle(HttpRequest request, MarkersLimitedException e) {
        return HttpResponse.<Api.Problem>status(HttpStatus.TOO_MANY_REQUESTS)
                .header(HttpHeaders.RETRY_AFTER, Long.toString(e.verdict().retryAfterSeconds()))
                .body(new Api.Problem(e.getMessage(), null));
    }
}
