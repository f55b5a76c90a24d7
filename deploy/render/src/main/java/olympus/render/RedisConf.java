package olympus.render;

/**
 * A region's Redis: a cache, as in production (the stream is the record, Redis is rebuilt from
 * it), so no persistence.
 *
 * @param bind        addresses to listen on, space-separated
 * @param daemonize   fork (the local topology) or stay in the foreground (containers, systemd)
 * @param pidFile     null: none
 * @param logFile     a path, or {@code ""} for standard output
 * @param unixSocket  null: none, and {@code noSocketReason} says why in the file
 * @param tls         null: plain TCP; else TCP is TLS only ({@code port 0}), and a client must present a
 *                    certificate of the same CA (the services present their host's)
 * @param acl         the {@code user} lines ({@link RedisAcl#lines}); empty: Redis' default user, no password
 */
public record RedisConf(int port, String bind, boolean daemonize, String pidFile, String logFile, String dir,
                        String unixSocket, String noSocketReason, NatsConfigs.Tls tls, java.util.List<String> acl) {
    public RedisConf {
        acl = acl == null ? java.util.List.of() : java.util.List.copyOf(acl);
    }

    public String render() {
        String listen = tls == null ? "port " + port : """
                port 0
                tls-port %d
                tls-cert-file %s
                tls-key-file %s
                tls-ca-cert-file %s
                tls-auth-clients yes""".formatted(port, tls.certFile(), tls.keyFile(), tls.caFile());
        return """
                %s
                bind %s
                protected-mode yes
                daemonize %s
                %slogfile %s
                dir %s
                save ""
                appendonly no
                # Keep the config path in the process title: down finds its processes by their directory.
                proc-title-template "{title} {listen-addr} {config-file}"
                maxmemory 512mb
                maxmemory-policy noeviction
                # The revocation-bus hears a denylist key deleted or evicted behind its back and rebuilds.
                notify-keyspace-events Eeg
                %s
                %s
                """.formatted(listen, bind, daemonize ? "yes" : "no", pidFile == null ? "" : "pidfile " + pidFile + "\n",
                logFile.isEmpty() ? "\"\"" : logFile, dir,
                unixSocket != null
                        // Services placed beside this Redis use the socket (LocalTopology.redisSocketUri).
                        ? "unixsocket " + unixSocket + "\nunixsocketperm 700"
                        : "# no unixsocket: " + noSocketReason,
                acl.isEmpty() ? "" : "# One ACL user per role (RedisAcl); passwords as SHA-256.\n" + String.join("\n", acl));
    }
}
