package olympus.router.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.NotBlank;

import java.time.Duration;

/**
 * How the router reads the primary's WAL position when a caller records a write without one
 * (prefix {@code router.postgres}). Only the current primary (per topology) is asked, never on
 * the read path.
 *
 * @param endpoints      OLYMPUS_POSTGRES_ENDPOINTS, {@code region=host:port,...} as seen from this region.
 * @param database       PGDATABASE.
 * @param user           PG_APP_USER.
 * @param password       PG_APP_PASSWORD.
 * @param connectTimeout default 1s. When the primary cannot be asked in time, the write is marked
 *                       without an LSN (time window, reason RECENT_WRITE_NO_LSN): lower answers the
 *                       caller sooner, higher gets more exact markers across a slow link.
 * @param poolSize       default 4 connections per primary endpoint.
 */
@ConfigurationProperties("router.postgres")
public record PostgresConfiguration(@NotBlank String endpoints, @NotBlank String database, @NotBlank String user,
                                    String password,
                                    @Bindable(defaultValue = "1s") Duration connectTimeout,
                                    @Bindable(defaultValue = "4") int poolSize) {
}
