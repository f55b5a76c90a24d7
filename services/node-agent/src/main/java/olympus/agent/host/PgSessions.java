package olympus.agent.host;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * The agent's superuser connections to its own PostgreSQL, kept open between calls.
 *
 * <p>Why: with TLS and SCRAM a new connection cost 150-250 ms of CPU on a loaded 2-core host
 * (handshake plus 4096 PBKDF2 rounds on both ends), and the agent opened one for every status
 * round, every fence, every 20 ms poll of the fence and every promote: the TLS switchover was 1.5x
 * the plain one. A kept connection is checked with one empty query before it is lent (a server
 * restart, a {@code pg_terminate_backend} of the fence or a socket timeout leaves it dead, and it
 * is then dropped and replaced); each loan sets its own socket timeout.
 */
final class PgSessions implements AutoCloseable {
    /** Opens a fresh connection whose connect and socket timeouts suit {@code timeout}. */
    interface Opener {
        Connection open(Duration timeout) throws SQLException;
    }

    /** Two: the fence-check thread and one request may overlap; more would only hold backends. */
    private static final int MAX_IDLE = 2;

    private final Opener opener;
    private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
    private volatile boolean closed;

    PgSessions(Opener opener) {
        this.opener = opener;
    }

    /** A connection for one call; closing the loan gives it back (or drops it if it broke). */
    Loan borrow(Duration timeout) throws SQLException {
        int ms = (int) Math.max(1000, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        Connection c;
        while ((c = idle.pollFirst()) != null) {
            if (usable(c)) {
                break;
            }
            quietly(c);
        }
        if (c == null) {
            c = opener.open(timeout);
        }
        try {
            c.setNetworkTimeout(Runnable::run, ms);
        } catch (SQLException e) {
            quietly(c);
            throw e;
        }
        return new Loan(c);
    }

    private static boolean usable(Connection c) {
        try {
            // An empty query, bounded to 1 s: a connection the fence terminated answers at once with an error.
            return !c.isClosed() && c.isValid(1); // only autocommit connections are given back
        } catch (SQLException e) {
            return false;
        }
    }

    private void giveBack(Connection c) {
        try {
            if (closed || c.isClosed() || !c.getAutoCommit() || idle.size() >= MAX_IDLE) {
                quietly(c);
                return;
            }
        } catch (SQLException e) {
            quietly(c);
            return;
        }
        idle.offerFirst(c);
    }

    private static void quietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // dropping it anyway
        }
    }

    @Override
    public void close() {
        closed = true;
        Connection c;
        while ((c = idle.pollFirst()) != null) {
            quietly(c);
        }
    }

    /** One call's use of a kept connection. */
    final class Loan implements AutoCloseable {
        private final Connection c;

        private Loan(Connection c) {
            this.c = c;
        }

        Connection connection() {
            return c;
        }

        @Override
        public void close() {
            giveBack(c);
        }
    }
}
