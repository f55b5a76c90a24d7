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
 * @param tls               null: no TLS settings here (the local topology writes them per node, {@link #tlsSettings})
 */
public record PostgresConf(String header, String listenAddresses, int port, String socketDir, boolean fsyncOff,
                           NatsConfigs.Tls tls) {
    /**
     * TLS for every TCP connection (pg_hba's {@code hostssl} lines refuse the rest). The CA is
     * set so PostgreSQL asks clients for a certificate: one signed by another CA fails the
     * handshake; clients without one log in with SCRAM over the verified channel. The key must
     * belong to the server's user, mode 0600 (PostgreSQL refuses to start otherwise).
     */
    public static String tlsSettings(NatsConfigs.Tls tls) {
        return """
                ssl = on
                ssl_cert_file = '%s'
                ssl_key_file = '%s'
                ssl_ca_file = '%s'
                ssl_min_protocol_version = 'TLSv1.2'
                """.formatted(tls.certFile(), tls.keyFile(), tls.caFile());
    }

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
                %s""".formatted(header, listenAddresses, port,
                socketDir == null ? "" : "unix_socket_directories = '" + socketDir + "'\n",
                fsyncOff ? """
                        # Local topology only: a killed process loses nothing with fsync off (the OS keeps
                        # the page cache); only a machine crash would. Keeps tests and demos fast.
                        fsync = off
                        """ : "", tls == null ? "" : tlsSettings(tls));
    }
}
