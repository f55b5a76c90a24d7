package olympus.router.http;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;

/** 401 for {@link ApiAuth.Refused}: the body every 4xx has ({@link Api.Problem}), and the scheme to use (RFC 6750 §3). */
@Produces
@Singleton
@Requires(classes = {ApiAuth.Refused.class, ExceptionHandler.class})
public class ApiAuthHandler implements ExceptionHandler<ApiAuth.Refused, HttpResponse<Api.Problem>> {
    @Override
    public HttpResponse<Api.Problem> handle(HttpRequest request, ApiAuth.Refused e) {
        return HttpResponse.<Api.Problem>unauthorized().header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                .body(new Api.Problem(e.getMessage(), ApiAuth.FIELD));
    }
}
