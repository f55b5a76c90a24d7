package olympus.router.core;

/**
 * The markers found for one request: the user's write marker, the session's write marker and the
 * session's fresh-session marker (each null when absent). {@code available} is false when the
 * store could not be read, which is not the same as "no marker".
 */
public record Markers(boolean available, Marker userWrite, Marker sessionWrite, Marker sessionFresh) {
    public static final Markers NONE = new Markers(true, null, null, null);
    public static final Markers UNAVAILABLE = new Markers(false, null, null, null);

    boolean any() {
        return userWrite != null || sessionWrite != null || sessionFresh != null;
    }
}
