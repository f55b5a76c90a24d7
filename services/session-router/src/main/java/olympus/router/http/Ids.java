package olympus.router.http;

/**
 * The user and session ids callers send (query parameters, JSON fields, the Kratos hook's body).
 * Each is the key of a marker, so two different ids must never become one key: the query
 * decoder turns every invalid UTF-8 sequence ({@code %FF}, a truncated {@code %E2%82}, an encoded
 * surrogate {@code %ED%A0%80}) into U+FFFD, and a JSON escape may carry a lone surrogate, so an id
 * holding either is refused rather than silently shared with every other id that decoded the
 * same way. Ids are ASCII in practice (Kratos' are UUIDs); U+FFFD is no real id's character.
 */
final class Ids {
    static final int MAX = 256;

    private Ids() {
    }

    /** Null for absent or empty (an empty id is no id); 400 naming the field for a bad one. */
    static String check(String field, String v) {
        if (v == null || v.isEmpty()) {
            return null;
        }
        String problem = problem(v);
        if (problem != null) {
            throw new BadRequestException(field, field + " " + problem);
        }
        return v;
    }

    /** Why {@code v} is not an id, or null. One pass; the read path calls it for every keyed read. */
    static String problem(String v) {
        if (v.length() > MAX) {
            return "is longer than " + MAX + " characters";
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
                return "contains a control character";
            }
            if (c == '\uFFFD') {
                return "is not valid UTF-8 (it holds U+FFFD, what an invalid byte sequence such as %FF decodes to)";
            }
            if (Character.isHighSurrogate(c) && i + 1 < v.length() && Character.isLowSurrogate(v.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return "is not valid UTF-8 (a lone surrogate, U+" + Integer.toHexString(c).toUpperCase() + ")";
            }
        }
        return null;
    }
}
