package olympus.agent.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.NotBlank;

import java.time.Duration;

/**
 * NATS connection (prefix {@code olympus.nats}).
 *
 * @param url            this region's NATS server (NATS_URL): requests arrive through it, the control KV is reached through it
 * @param user           NATS user: node-agent-REGION, the only user allowed to take this region's agent requests
 * @param password       its password
 * @param requestTimeout control KV request timeout. Default 1 s: a heartbeat that takes longer counts as no quorum.
 */
@ConfigurationProperties("olympus.nats")
public record NatsConfiguration(@NotBlank String url, @NotBlank String user, String password,
                                @Bindable(defaultValue = "1s") Duration requestTimeout) {
}
