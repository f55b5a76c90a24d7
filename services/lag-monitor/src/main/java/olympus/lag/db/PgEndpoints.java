package olympus.lag.db;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code region=host:port,...} (OLYMPUS_POSTGRES_ENDPOINTS): where this region's processes reach
 * each region's PostgreSQL. Following the primary after a failover is a lookup here by the
 * topology's primary region, so no address ever comes from a message.
 */
public record PgEndpoints(Map<String, String> hostPorts, olympus.tls.TlsFiles tls) {
    public PgEndpoints {
        hostPorts = Map.copyOf(hostPorts);
    }

    /** The same endpoints reached over TLS, verify-full against {@code tls}' CA (null: plain). */
    public PgEndpoints withTls(olympus.tls.TlsFiles tls) {
        return new PgEndpoints(hostPorts, tls);
    }

    public static PgEndpoints parse(String spec) {
        Map<String, String> m = new LinkedHashMap<>();
        if (spec != null) {
            for (String part : spec.split(",")) {
                String p = part.strip();
                if (p.isEmpty()) {
                    continue;
                }
                int eq = p.indexOf('=');
                if (eq <= 0 || p.indexOf(':', eq) < 0) {
                    throw new IllegalArgumentException("postgres endpoint '" + p + "' is not region=host:port");
                }
                m.put(p.substring(0, eq).strip(), p.substring(eq + 1).strip());
            }
        }
        return new PgEndpoints(m, null);
    }

    public String hostPort(String region) {
        String hp = hostPorts.get(region);
        if (hp == null) {
            throw new IllegalArgumentException("no PostgreSQL endpoint for region '" + region + "' (have " + hostPorts.keySet() + ")");
        }
        return hp;
    }

    public String jdbcUrl(String region, String database, int timeoutSeconds) {
        return "jdbc:postgresql://" + hostPort(region) + "/" + database + "?connectTimeout=" + timeoutSeconds
                + "&socketTimeout=" + timeoutSeconds + "&loginTimeout=" + timeoutSeconds
                + "&tcpKeepAlive=true&ApplicationName=olympus-lag-monitor&" + olympus.tls.PgTls.jdbcParams(tls);
    }
}
