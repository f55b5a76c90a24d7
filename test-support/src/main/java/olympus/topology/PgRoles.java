package olympus.topology;

import java.util.List;

/** PostgreSQL roles the topology creates: the same as {@link olympus.render.PgRoles}, kept for this package's callers. */
public final class PgRoles {
    private PgRoles() {}

    public static final String SUPERUSER = olympus.render.PgRoles.SUPERUSER;
    public static final String REPLICATOR = olympus.render.PgRoles.REPLICATOR;
    public static final String APP = olympus.render.PgRoles.APP;
    public static final String MONITOR = olympus.render.PgRoles.MONITOR;
    public static final String PGBOUNCER_ADMIN = olympus.render.PgRoles.PGBOUNCER_ADMIN;

    public static final String DATABASE = olympus.render.PgRoles.DATABASE;
    public static final String OPS_SCHEMA = olympus.render.PgRoles.OPS_SCHEMA;

    static final List<String> ALL = olympus.render.PgRoles.ALL;
}
