package olympus.revocation.http;

/** A request the service refuses as it stands; becomes a 400 naming the field (and batch index). */
public final class BadRequestException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String field;
    private final Integer index;
    private final String rejection;

    public BadRequestException(String rejection, String field, Integer index, String message) {
        super(message);
        this.rejection = rejection;
        this.field = field;
        this.index = index;
    }

    public String field() {
        return field;
    }

    public Integer index() {
        return index;
    }

    public String rejection() {
        return rejection;
    }
}
