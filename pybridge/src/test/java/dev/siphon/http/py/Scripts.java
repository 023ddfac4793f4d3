package dev.siphon.http.py;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** The test scripts under src/test/resources/scripts. */
final class Scripts {
    private Scripts() {}

    static Path path(String name) {
        try {
            return Path.of(Scripts.class.getResource("/scripts/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
