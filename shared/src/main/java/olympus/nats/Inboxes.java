package olympus.nats;

/**
 * Per-user inbox prefixes. Every connection of NATS user {@code U} uses {@code _INBOX_U} for its
 * reply subjects (jnats {@code Options.Builder.inboxPrefix}), and U may subscribe only under it
 * (olympus.render.NatsRole): no user can read another's replies (JetStream API answers, KV
 * values, command results), and only a role that answers requests may publish into one.
 */
public final class Inboxes {
    private Inboxes() {}

    public static String prefix(String user) {
        if (user == null || user.isBlank() || !user.matches("[A-Za-z0-9_-]+")) {
            throw new IllegalArgumentException("NATS user '" + user + "' cannot name an inbox: letters, digits, '-' and '_' only");
        }
        return "_INBOX_" + user;
    }
}
