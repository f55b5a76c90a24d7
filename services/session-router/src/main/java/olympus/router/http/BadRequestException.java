package olympus.router.http;

/** A request field that is missing or malformed; answered 400 with the field named. */
public class BadRequestException extends RuntimeException {
    private final String field;

    public BadRequestException(String field, String message) {
        super(message);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
