package olympus.router.core;

/** Where a read should go. */
public enum Target {
    PRIMARY,
    REPLICA
}
