package dev.grove.protocol.error;

/**
 * A configuration file, flag or setting is invalid: unknown key, bad address, bad rate, missing required value,
 * malformed file. The message names the file and key (or the flag) and what was expected.
 */
public class ConfigException extends GroveException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(ErrorCode.CONFIG, message);
    }

    public ConfigException(String message, Throwable cause) {
        super(ErrorCode.CONFIG, message, cause);
    }
}
