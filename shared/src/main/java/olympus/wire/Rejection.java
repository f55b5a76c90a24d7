package olympus.wire;

/** Why a payload was refused; consumers dead-letter on any of these rather than retry. */
public enum Rejection {
    TOO_LARGE,
    MALFORMED_JSON,
    NOT_AN_OBJECT,
    UNKNOWN_TYPE,
    TYPE_MISMATCH,
    UNSUPPORTED_VERSION,
    MISSING_FIELD,
    INVALID_FIELD
}
