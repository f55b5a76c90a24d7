package olympus.failover.core;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A validated command. Built from the decoded JSON body by {@link #from}, which refuses bad input
 * with the field at fault and a message an operator can act on.
 *
 * @param principal who issued it, as established by the transport (the NATS user the command
 *                  subject admits, or the API token's principal), never taken from the body
 * @param operator  the operator name the tool claims (e.g. $USER): recorded, not trusted
 */
public record CommandRequest(String id, Verb verb, String to, boolean force, String reason, Instant deadline,
                             String sql, int limit, String principal, String operator) {
    public static final int MAX_SQL = 64 * 1024;
    public static final int MAX_REASON = 500;
    private static final Set<String> FIELDS = Set.of("to", "force", "reason", "deadline", "sql", "limit", "operator", "id");

    public static CommandRequest from(String id, Verb verb, Map<String, Object> body, List<String> regions,
                                      String principal, Instant now) {
        for (String k : body.keySet()) {
            if (!FIELDS.contains(k)) {
                throw new CommandRefusedException(k, "unknown field '" + k + "'; fields are " + FIELDS);
            }
        }
        String to = text(body, "to", 40);
        if (to != null && !regions.contains(to)) {
            throw new CommandRefusedException("to", "unknown region '" + to + "': regions are " + regions);
        }
        Object f = body.get("force");
        if (f != null && !(f instanceof Boolean)) {
            throw new CommandRefusedException("force", "force must be true or false");
        }
        boolean force = Boolean.TRUE.equals(f);
        String reason = text(body, "reason", MAX_REASON);
        String sql = text(body, "sql", MAX_SQL);
        String operator = text(body, "operator", 64);
        Instant deadline = deadline(body.get("deadline"), now);
        int limit = 20;
        Object l = body.get("limit");
        if (l != null) {
            if (!(l instanceof Number n) || n.intValue() < 1 || n.intValue() > 1000) {
                throw new CommandRefusedException("limit", "limit must be a number from 1 to 1000");
            }
            limit = n.intValue();
        }
        switch (verb) {
            case SWITCHOVER, REJOIN -> {
                if (to == null) {
                    throw new CommandRefusedException("to", verb.token() + " needs the region: --to REGION");
                }
            }
            case PAUSE -> {
                if (reason == null || reason.isBlank()) {
                    throw new CommandRefusedException("reason", "pause needs a reason: --reason TEXT");
                }
                if (deadline == null) {
                    throw new CommandRefusedException("deadline", "pause needs a deadline (writes reopen by themselves then): --deadline 10m or an ISO instant");
                }
            }
            case MIGRATE -> {
                if (sql == null || sql.isBlank()) {
                    throw new CommandRefusedException("sql", "migrate needs the SQL to apply: --file x.sql");
                }
                if (deadline == null) {
                    deadline = now.plus(Duration.ofMinutes(10));
                }
            }
            default -> { }
        }
        return new CommandRequest(id, verb, to, force, reason, deadline, sql, limit, principal, operator);
    }

    private static String text(Map<String, Object> body, String field, int max) {
        Object v = body.get(field);
        if (v == null) {
            return null;
        }
        if (!(v instanceof String s)) {
            throw new CommandRefusedException(field, field + " must be a string");
        }
        if (s.length() > max) {
            throw new CommandRefusedException(field, field + " is longer than " + max + " characters");
        }
        return s;
    }

    /** "10m", "90s", "1h", a bare number of seconds, or an ISO-8601 instant; must lie in the future. */
    static Instant deadline(Object v, Instant now) {
        if (v == null) {
            return null;
        }
        String s = String.valueOf(v).strip();
        Instant d;
        try {
            if (s.matches("\\d+[smh]?")) {
                char unit = Character.isDigit(s.charAt(s.length() - 1)) ? 's' : s.charAt(s.length() - 1);
                long n = Long.parseLong(unit == s.charAt(s.length() - 1) && !Character.isDigit(unit) ? s.substring(0, s.length() - 1) : s);
                d = now.plus(switch (unit) {
                    case 'm' -> Duration.ofMinutes(n);
                    case 'h' -> Duration.ofHours(n);
                    default -> Duration.ofSeconds(n);
                });
            } else {
                d = Instant.parse(s);
            }
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new CommandRefusedException("deadline", "deadline '" + s + "' is neither a duration (90s, 10m, 1h) nor an ISO instant");
        }
        if (!d.isAfter(now)) {
            throw new CommandRefusedException("deadline", "deadline " + d + " is not in the future");
        }
        if (d.isAfter(now.plus(Duration.ofDays(1)))) {
            throw new CommandRefusedException("deadline", "deadline " + d + " is more than a day away: writes would stay paused too long by mistake");
        }
        return d;
    }
}
