package dev.grove.protocol.error;

/** An object that must be present is absent. */
public class MissingObjectException extends GroveException {
    private static final long serialVersionUID = 1L;
    private final String object;

    public MissingObjectException(String object, String context) {
        super(ErrorCode.MISSING_OBJECT, "missing object " + object + (context.isEmpty() ? "" : " (" + context + ")"));
        this.object = object;
    }

    /** The missing object's name, e.g. {@code 6e34...01d.dirtree}. */
    public String object() {
        return object;
    }
}
