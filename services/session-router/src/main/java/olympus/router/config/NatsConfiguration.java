package olympus.router.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.NotBlank;

import java.time.Duration;

/**
 * NATS connection (prefix {@code router.nats}). The router connects to its own region's server:
 * lag samples arrive there by core NATS from every region, and the control KV (topology, lag
 * bucket) is reached through it with JetStream domain "control".
 *
 * @param url             NATS_URL.
 * @param user            NATS_USER (session-router: may subscribe to lag subjects and the
 *                        topology announce, and read the control and lag buckets; nothing else).
 * @param password        NATS_PASSWORD.
 * @param watchRetry      default 1s. Pause between attempts to (re)establish the topology watch and
 *                        the initial lag KV read when the control domain is unreachable (a cut region).
 */
@ConfigurationProperties("router.nats")
public record NatsConfiguration(@NotBlank String url, @NotBlank String user, String password,
                                @Bindable(defaultValue = "1s") Duration watchRetry) {
}
