package olympus.router.http;

import olympus.auth.BearerTokens;
import olympus.auth.Throttle;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Order;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import jakarta.inject.Inject;
import olympus.router.config.RouterConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Bearer tokens on the router's read and write APIs ({@code router.api-tokens}, ROUTER_API_TOKENS):
 * every {@code /v1} endpoint but the Kratos hooks (their own {@code router.hook-tokens}). Health and
 * {@code /prometheus} stay open.
 *
 * <p>Required by default: with no token configured the context does not start (a
 * {@link ConfigurationException} naming ROUTER_API_TOKENS and the opt-out), because an open
 * {@code POST /v1/writes} lets anyone pin any user to the primary. {@code router.api-open=true}
 * (ROUTER_API_OPEN) serves the APIs without authentication, logged as a WARN at start; with
 * tokens configured it is ignored (a WARN says so): configured tokens are always required.
 *
 * <p>{@code @Context}, first of the eager beans ({@code @Order}): built when the context starts,
 * before any connection to NATS, Redis or PostgreSQL is opened, so a missing token stops the
 * service at once rather than at its first request.
 *
 * <p>A refusal throws {@link Refused} (answered 401 by {@link ApiAuthHandler}), counts
 * {@code olympus.router.auth.refused{endpoint}} and logs at most one WARN per
 * {@link #WARN_EVERY_NANOS} (with how many were refused since), each refusal at DEBUG: a caller
 * without its token would otherwise write a line per request.
 */
@Context
@Order(Ordered.HIGHEST_PRECEDENCE)
public final class ApiAuth {
    private static final Logger LOG = LoggerFactory.getLogger(ApiAuth.class);
    static final long WARN_EVERY_NANOS = 10_000_000_000L;
    static final String FIELD = HttpHeaders.AUTHORIZATION;

    /**
     * The two answers, shared: without a stack trace or suppression an exception is immutable,
     * and a flood of unauthenticated requests then allocates no exception per request.
     */
    static final Refused MISSING = new Refused("an 'Authorization: Bearer <token>' header is required (one of router.api-tokens)");
    static final Refused WRONG = new Refused("the bearer token is not one of router.api-tokens");

    private final BearerTokens tokens;
    /** api-token-1, api-token-2, ...: built once, so the read path allocates no name. */
    private final String[] names;
    private final boolean open;
    private final MeterRegistry meters;
    private final Throttle warn;
    private final AtomicLong warnings = new AtomicLong();

    @Inject
    public ApiAuth(RouterConfiguration cfg, MeterRegistry meters) {
        this(cfg.apiTokens(), cfg.apiOpen(), meters, System::nanoTime);
    }

    ApiAuth(List<String> configured, boolean apiOpen, MeterRegistry meters, LongSupplier nanoTime) {
        List<String> t = tokens(configured);
        String problem = startProblem(t, apiOpen);
        if (problem != null) {
            throw new ConfigurationException(problem);
        }
        if (t.isEmpty()) {
            LOG.warn("router.api-open=true (ROUTER_API_OPEN): /v1/route, /v1/writes and the other read and write APIs answer "
                    + "without authentication; anyone who can reach this port can record write markers for any user. "
                    + "Set ROUTER_API_TOKENS to require bearer tokens");
        } else if (apiOpen) {
            LOG.warn("router.api-open=true is ignored: router.api-tokens (ROUTER_API_TOKENS) are configured, and required");
        }
        // open = true only reaches BearerTokens with an empty list when api-open was asked for.
        this.tokens = new BearerTokens(t, true);
        this.open = t.isEmpty();
        this.names = new String[t.size()];
        for (int i = 0; i < names.length; i++) {
            names[i] = "api-token-" + (i + 1);
        }
        this.meters = meters;
        this.warn = new Throttle(WARN_EVERY_NANOS, nanoTime);
    }

    /** Blank entries dropped, each stripped (as the hook tokens are). */
    static List<String> tokens(List<String> configured) {
        return BearerTokens.clean(configured);
    }

    /** Why the service must not start with this configuration, or null when it may. */
    static String startProblem(List<String> tokens, boolean apiOpen) {
        if (!tokens.isEmpty() || apiOpen) {
            return null;
        }
        return "session-router: no API token configured. Set ROUTER_API_TOKENS (router.api-tokens: comma-separated bearer "
                + "tokens that every caller of /v1/route, /v1/writes, /v1/sessions, /v1/empty-result, /v1/writes/check and "
                + "/v1/state must send as 'Authorization: Bearer <token>'), or set ROUTER_API_OPEN=true (router.api-open) to "
                + "serve those APIs without authentication";
    }

    /** What {@link Guard#check} answers when the APIs are open: no token tells callers apart. */
    public static final String OPEN = "open";

    /**
     * The caller for per-caller limits: the token's name, or with open APIs the client's address
     * (built here, off the read path, which never needs it).
     */
    public static String caller(String checked, HttpRequest<?> request) {
        if (checked != OPEN) {
            return checked;
        }
        var a = request.getRemoteAddress();
        return "open:" + (a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress());
    }

    /** Whether the APIs answer without a token (router.api-open=true and no token configured). */
    public boolean open() {
        return open;
    }

    /** The check of one endpoint, its refusal counter registered now (not on the request path). */
    public Guard guard(String endpoint) {
        return new Guard(endpoint, Counter.builder("olympus.router.auth.refused")
                .description("API requests refused with 401: no or a wrong bearer token (router.api-tokens)")
                .tag("endpoint", endpoint).register(meters));
    }

    /** How many refusal WARNs have been logged (tests). */
    long warnings() {
        return warnings.get();
    }

    public final class Guard {
        private final String endpoint;
        private final Counter refused;

        private Guard(String endpoint, Counter refused) {
            this.endpoint = endpoint;
            this.refused = refused;
        }

        /**
         * @return which caller this is, for per-caller limits: the token's name
         *         ({@code api-token-N}, its place in router.api-tokens, never the token itself), or
         *         {@link #OPEN} when the APIs are open (see {@link #caller})
         * @throws Refused unless the request carries one of the tokens (or the APIs are open)
         */
        public String check(HttpRequest<?> request) {
            if (open) {
                return OPEN;
            }
            String authorization = request.getHeaders().get(HttpHeaders.AUTHORIZATION);
            int i = tokens.match(authorization);
            if (i < 0) {
                refuse(request, authorization);
            }
            return names[i];
        }

        private void refuse(HttpRequest<?> request, String authorization) {
            refused.increment();
            Refused r = authorization == null ? MISSING : WRONG;
            long n = warn.count();
            if (n > 0) {
                warnings.incrementAndGet();
                // Never the token itself: a wrong one may be a real token of another service.
                LOG.warn("refused {} API request(s) without a valid bearer token since the last such warning; this one: {} {} from {}: {} "
                        + "(olympus_router_auth_refused_total counts each; next warning in 10 s at the earliest)",
                        n, request.getMethodName(), endpoint, request.getRemoteAddress(), r.getMessage());
            } else if (LOG.isDebugEnabled()) {
                LOG.debug("refused {} {} from {}: {}", request.getMethodName(), endpoint, request.getRemoteAddress(), r.getMessage());
            }
            throw r;
        }
    }

    /** A request without a valid bearer token: 401 (ApiAuthHandler). Stackless, shared. */
    public static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message, null, false, false);
        }
    }
}
