package olympus.failover.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.NotBlank;

import java.time.Duration;

/**
 * NATS connection (prefix {@code olympus.nats}).
 *
 * @param url            this region's NATS server (NATS_URL); the control KV is reached through it (control domain)
 * @param user           NATS user; must be failover-coordinator: only it may write the control bucket
 * @param password       its password
 * @param requestTimeout JetStream/KV request timeout. Short: a cut-off region notices sooner that it
 *                       cannot reach the control plane; long: fewer false alarms on a slow cluster. Default 2 s.
 */
@ConfigurationProperties("olympus.nats")
public record NatsConfiguration(@NotBlank String url, @NotBlank String user, String password,
                                @Bindable(defaultValue = "2s") Duration requestTimeout) {
}
