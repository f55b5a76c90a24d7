package olympus.router.http;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;

@Produces
@Singleton
@Requires(classes = {BadRequestException.class, ExceptionHandler.class})
public class BadRequestHandler implements ExceptionHandler<BadRequestException, HttpResponse<Api.Problem>> {
    @Override
    public HttpResponse<Api.Problem> handle(HttpRequest request, BadRequestException e) {
        return HttpResponse.badRequest(new Api.Problem(e.getMessage(), e.field()));
    }
}
