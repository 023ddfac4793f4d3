package dev.siphon.http.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes route patterns and matching. The input is UTF-8 text: the lines before the first empty
 * line are patterns, registered for GET; the lines after it are request paths, and also the
 * values put into the parameters of the paths made from each pattern. Corpus:
 * {@code RouterFuzzTestInputs/route}.
 *
 * <p>Invariants:
 * <ul>
 *   <li>registering a pattern either works or throws {@link RouteException}, and a refused
 *       pattern leaves the builder usable;</li>
 *   <li>{@link Router#match} never throws, whatever the path;</li>
 *   <li>the path made from a registered pattern (its static segments in raw form, each parameter a
 *       percent-encoded value) is matched: by that very pattern when it has no parameters (a
 *       static segment beats any parameter), otherwise by a pattern at least as specific, and
 *       when that is the pattern itself, its parameters decode to the values put in;</li>
 *   <li>HEAD finds what GET finds; another method gets 405 with an {@code Allow} naming GET.</li>
 * </ul>
 */
class RouterFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void route(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        List<String> lines = Arrays.asList(text.split("\n", -1));
        int blank = lines.indexOf("");
        List<String> patterns = blank < 0 ? lines : lines.subList(0, blank);
        List<String> paths = blank < 0 ? List.of() : lines.subList(blank + 1, lines.size());

        Router.Builder<String> builder = Router.builder();
        List<RoutePattern> registered = new ArrayList<>();
        for (String pattern : patterns) {
            try {
                builder.add("GET", pattern, pattern);
                registered.add(RoutePattern.parse(pattern));
            } catch (RouteException refused) {
                assertTrue(refused.getMessage().contains(pattern), "the error names the pattern");
            }
        }
        Router<String> router = builder.build();

        for (RoutePattern pattern : registered) {
            Map<String, String> values = new LinkedHashMap<>();
            String path = pathFor(pattern, paths, values);
            RouteMatch<String> match = router.match("GET", path);
            if (values.isEmpty()) {
                assertEquals(pattern.text(), assertInstanceOf(RouteMatch.Found.class, match, path).pattern(),
                        "a static path finds its own pattern: " + path);
            } else if (match instanceof RouteMatch.Found<String> found && found.pattern().equals(pattern.text())) {
                assertEquals(values, found.params(), "parameters of " + path);
            } else {
                assertTrue(match instanceof RouteMatch.Found || match instanceof RouteMatch.BadPath,
                        "a path made from " + pattern.text() + " is matched: " + path + " -> " + match);
            }
            assertMethods(router, path, match);
        }
        for (String path : paths) {
            assertMethods(router, path, router.match("GET", path));
        }
    }

    private static void assertMethods(Router<String> router, String path, RouteMatch<String> get) {
        RouteMatch<String> head = router.match("HEAD", path);
        RouteMatch<String> post = router.match("POST", path);
        if (get instanceof RouteMatch.Found<String> found) {
            assertEquals(found.handler(), assertInstanceOf(RouteMatch.Found.class, head).handler(), "HEAD as GET");
            assertTrue(assertInstanceOf(RouteMatch.MethodNotAllowed.class, post).allow().contains("GET"), "Allow");
        } else {
            assertEquals(get.getClass(), head.getClass(), "HEAD as GET");
        }
    }

    /** The path a client would send for {@code pattern}, recording the parameter values it holds. */
    private static String pathFor(RoutePattern pattern, List<String> paths, Map<String, String> values) {
        StringBuilder path = new StringBuilder();
        for (RoutePattern.Segment segment : pattern.segments()) {
            path.append('/');
            switch (segment) {
                case RoutePattern.Static s -> path.append(s.literal());
                case RoutePattern.Param p -> {
                    String value = value(paths, values.size());
                    values.put(p.name(), value);
                    path.append(PathDecoderFuzzTest.encode(value, false)); // '/' becomes %2F: one segment
                }
                case RoutePattern.CatchAll c -> {
                    String value = value(paths, values.size());
                    values.put(c.name(), value);
                    List<String> parts = new ArrayList<>();
                    for (String part : value.split("/", -1)) {
                        parts.add(PathDecoderFuzzTest.encode(part, false));
                    }
                    path.append(String.join("/", parts)); // the slashes stay slashes
                }
            }
        }
        return path.toString();
    }

    private static String value(List<String> paths, int i) {
        String v = paths.isEmpty() ? "v" + i : paths.get(i % paths.size());
        return v.isEmpty() ? "v" + i : v;
    }
}
