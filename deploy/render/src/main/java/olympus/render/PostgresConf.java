package olympus.render;

/**
 * Settings every PostgreSQL node gets, primary or replica (a replica is a copy of the primary's
 * data directory, so it gets them too, which is what a later switchover needs): appended to
 * postgresql.conf by the local topology, {@code include}d from it on hosts.
 *
 * @param header            the comment line the block starts with
 * @param listenAddresses   PostgreSQL's {@code listen_addresses}
 * @param socketDir         null: PostgreSQL's default
 * @param fsyncOff          the local topology only (a killed process loses nothing; a machine crash would)
 */
public record PostgresConf(String header, String listenAddresses, int port, String socketDir, boolean fsyncOff) {
    public String render() {
        return """

                # --- %s ---
                listen_addresses = '%s'
                port = %d
                %smax_connections = 200
                shared_buffers = 64MB
                wal_level = replica
                max_wal_senders = 16
                max_replication_slots = 16
                wal_keep_size = 256MB
                # Bounds what a lagging or cut-off replica's slot may retain; makes wal_status and
                # safe_wal_size meaningful for the lag-monitor.
                max_slot_wal_keep_size = 2GB
                hot_standby = on
                hot_standby_feedback = on
                # Standbys report positions at least every second, so pg_stat_replication's
                # write/flush/replay lag stays fresh on an idle primary.
                wal_receiver_status_interval = 1s
                # pg_rewind needs it to rejoin a former primary as a replica after a failover.
                wal_log_hints = on
                track_commit_timestamp = on
                %sfull_page_writes = on
                log_line_prefix = '%%m [%%p] %%q%%u@%%d '
                """.formatted(header, listenAddresses, port,
                socketDir == null ? "" : "unix_socket_directories = '" + socketDir + "'\n",
                fsyncOff ? """
                        # Local topology only: a killed process loses nothing with fsync off (the OS keeps
                        # the page cache); only a machine crash would. Keeps tests and demos fast.
                        fsync = off
                        """ : "");
    }
}
