package olympus.agent.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

/**
 * The database credentials of this host (prefix {@code olympus.agent.credentials}). Only the node
 * agent holds them: the coordinators hold none.
 */
@ConfigurationProperties("olympus.agent.credentials")
public record Credentials(@Bindable(defaultValue = "postgres") String superuser, String superuserPassword,
                          @Bindable(defaultValue = "replicator") String replicator, String replicatorPassword,
                          @Bindable(defaultValue = "olympus") String appUser, String appPassword,
                          @Bindable(defaultValue = "olympus") String appDatabase,
                          @Bindable(defaultValue = "pgbouncer_admin") String bouncerAdmin, String bouncerAdminPassword) {
    @Override
    public String toString() {
        return "Credentials[superuser=" + superuser + ", replicator=" + replicator + ", appUser=" + appUser + ", bouncerAdmin="
                + bouncerAdmin + ", passwords hidden]";
    }
}
