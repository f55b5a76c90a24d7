package olympus.render;

import java.util.List;

/** PostgreSQL roles (and the PgBouncer admin user) every Olympus deployment has. */
public final class PgRoles {
    private PgRoles() {}

    /** Superuser, for the topology tool and the node agent's promote/fence steps. */
    public static final String SUPERUSER = "postgres";
    /** Streaming replication only. */
    public static final String REPLICATOR = "replicator";
    /** The application (Kratos/Hydra/Athena stand-in, tests' writers): owns database olympus. */
    public static final String APP = "olympus";
    /** Least privilege for the lag-monitor: pg_monitor, plus its own schema for the heartbeat. */
    public static final String MONITOR = "olympus_monitor";
    /** PgBouncer admin console user (PAUSE/RESUME/RELOAD). Exists in PgBouncer only. */
    public static final String PGBOUNCER_ADMIN = "pgbouncer_admin";

    public static final String DATABASE = "olympus";
    /** Schema owned by the monitor role, where it keeps its heartbeat table. */
    public static final String OPS_SCHEMA = "olympus_ops";

    public static final List<String> ALL = List.of(SUPERUSER, REPLICATOR, APP, MONITOR, PGBOUNCER_ADMIN);
    /** The users PgBouncer's userlist.txt holds. */
    public static final List<String> PGBOUNCER_USERS = List.of(APP, MONITOR, PGBOUNCER_ADMIN, SUPERUSER);
}
