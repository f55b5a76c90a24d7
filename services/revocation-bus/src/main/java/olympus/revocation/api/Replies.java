package olympus.revocation.api;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

import java.util.List;

/** JSON bodies of the HTTP and NATS APIs (documented in the README). */
public final class Replies {
    private Replies() {}

    /** One event stored in the origin stream: durable before this reply was sent. */
    @Serdeable
    public record Accepted(String eventId, String kind, String stream, long seq, boolean duplicate) {}

    /** One event not confirmed stored: retry it with the same eventId (de-duplicated). */
    @Serdeable
    public record Failed(String eventId, String kind, String error) {}

    @Serdeable
    public record IngestReply(List<Accepted> accepted, List<Failed> failed) {}

    /**
     * @param field offending field, when one is at fault
     * @param index position in a batch, when the request was a batch
     * @param rejection machine-readable class (MISSING_FIELD, INVALID_FIELD, MALFORMED_JSON, ...)
     */
    @Serdeable
    public record ErrorReply(String error, @Nullable String field, @Nullable Integer index, @Nullable String rejection) {}

    /**
     * @param status REVOKED, NOT_REVOKED or UNKNOWN
     * @param revoked what a caller must do: true for REVOKED and for UNKNOWN (fail closed)
     */
    @Serdeable
    public record CheckReply(String status, boolean revoked, String reason, @Nullable String matched,
                             @Nullable String eventId) {}
}
