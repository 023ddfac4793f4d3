package dev.siphon.http.config;

import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Environment expansion of one scalar's text, done once (a value taken from the environment is
 * not expanded again):
 * <ul>
 *   <li>{@code ${NAME}}: the variable's value; unset is an error, set-but-empty gives empty;</li>
 *   <li>{@code ${NAME:-default}}: the value, or {@code default} when unset or empty (as in the
 *       POSIX shell); the default is literal text up to the first {@code }}, so it cannot
 *       contain {@code }} or another expansion;</li>
 *   <li>{@code $$}: a literal {@code $};</li>
 *   <li>a {@code $} followed by anything else is kept as it is.</li>
 * </ul>
 * NAME is letters, digits and underscores, not starting with a digit.
 */
final class EnvExpander {

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** An expansion that cannot be done; the message says why, in the user's terms. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message);
        }
    }

    private EnvExpander() {
    }

    static String expand(String text, Function<String, String> env) throws Failure {
        if (text.indexOf('$') < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            char next = i + 1 < n ? text.charAt(i + 1) : 0;
            if (c != '$' || (next != '$' && next != '{')) {
                out.append(c);
                i++;
            } else if (next == '$') {
                out.append('$');
                i += 2;
            } else {
                int close = text.indexOf('}', i + 2);
                if (close < 0) {
                    throw new Failure("unterminated " + Texts.quote(text.substring(i))
                            + ": expected ${NAME} or ${NAME:-default} (write $$ for a literal $)");
                }
                String body = text.substring(i + 2, close);
                int sep = body.indexOf(":-");
                String name = sep < 0 ? body : body.substring(0, sep);
                String fallback = sep < 0 ? null : body.substring(sep + 2);
                if (!NAME.matcher(name).matches()) {
                    throw new Failure(Texts.quote("${" + body + "}") + " is not an expansion: expected ${NAME} or "
                            + "${NAME:-default}, NAME made of letters, digits and '_' (write $$ for a literal $)");
                }
                if (fallback != null && fallback.contains("${")) {
                    throw new Failure(Texts.quote(text.substring(i)) + ": the default of ${" + name
                            + ":-...} is literal text and cannot contain another expansion");
                }
                String value = env.apply(name);
                if (fallback != null) {
                    out.append(value == null || value.isEmpty() ? fallback : value);
                } else if (value == null) {
                    throw new Failure("environment variable " + name + " is not set (write ${" + name
                            + ":-default} to give it a default)");
                } else {
                    out.append(value);
                }
                i = close + 1;
            }
        }
        return out.toString();
    }
}
