package dev.siphon.http.py;

/**
 * A script that cannot serve: it failed to load (syntax error, import error, an exception at
 * module level), registered routes the engine rejects, registered differently in two workers,
 * or an {@code @http.on_startup} hook raised. The message names the script and, where Python
 * raised, carries the traceback.
 */
public final class ScriptException extends Exception {
    private static final long serialVersionUID = 1L;

    public ScriptException(String message) {
        super(message);
    }

    public ScriptException(String message, Throwable cause) {
        super(message, cause);
    }
}
