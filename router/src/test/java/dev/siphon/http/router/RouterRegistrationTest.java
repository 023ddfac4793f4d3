package dev.siphon.http.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouterRegistrationTest {

    private static String rejection(Router.Builder<String> builder, String method, String pattern) {
        return assertThrows(RouteException.class, () -> builder.add(method, pattern, "h")).getMessage();
    }

    private static String rejection(String pattern) {
        return rejection(Router.builder(), "GET", pattern);
    }

    @Test
    void duplicateRegistrationNamesBothPatterns() {
        Router.Builder<String> builder = Router.<String>builder().add("GET", "/users/{id}", "first");
        assertEquals("route GET /users/{id} conflicts with GET /users/{id}: GET is registered twice for the same path",
                rejection(builder, "get", "/users/{id}"));
    }

    @Test
    void duplicateViaEquivalentStaticSpellingNamesBoth() {
        Router.Builder<String> builder = Router.<String>builder().add("GET", "/café", "first");
        assertEquals("route GET /caf%C3%A9 conflicts with GET /café: GET is registered twice for the same path",
                rejection(builder, "GET", "/caf%C3%A9"));
    }

    @Test
    void duplicateInMultiMethodRegistrationNamesBoth() {
        Router.Builder<String> builder = Router.<String>builder().add("POST", "/webhook", "first");
        RouteException e = assertThrows(RouteException.class,
                () -> builder.add(List.of("GET", "POST"), "/webhook", "second"));
        assertEquals("route GET,POST /webhook conflicts with POST /webhook: POST is registered twice for the same path",
                e.getMessage());
    }

    @Test
    void rejectedRegistrationLeavesBuilderUnchanged() {
        Router.Builder<String> builder = Router.<String>builder().add("POST", "/webhook", "first");
        assertThrows(RouteException.class, () -> builder.add(List.of("GET", "POST"), "/webhook", "second"));
        Router<String> router = builder.build();
        assertEquals(new RouteMatch.MethodNotAllowed<String>("POST"), router.match("GET", "/webhook"));
        assertEquals(List.of("/webhook"), router.patterns());
    }

    @Test
    void conflictingParamNamesNameBothPatterns() {
        Router.Builder<String> builder = Router.<String>builder().add("GET", "/users/{id}", "h");
        assertEquals("route GET /users/{name} conflicts with GET /users/{id}: {name} and {id} at the same position",
                rejection(builder, "GET", "/users/{name}"));
    }

    @Test
    void conflictingParamNamesRejectedEvenForOtherMethods() {
        Router.Builder<String> builder = Router.<String>builder().add("GET", "/users/{id}/posts", "h");
        assertEquals("route DELETE /users/{name} conflicts with GET /users/{id}/posts: {name} and {id} at the same position",
                rejection(builder, "DELETE", "/users/{name}"));
    }

    @Test
    void conflictingCatchAllNamesNameBothPatterns() {
        Router.Builder<String> builder = Router.<String>builder().add("GET", "/files/{*path}", "h");
        assertEquals("route POST /files/{*rest} conflicts with GET /files/{*path}: {*rest} and {*path} at the same position",
                rejection(builder, "POST", "/files/{*rest}"));
    }

    @Test
    void paramAndCatchAllMayShareAPosition() {
        Router<String> router = Router.<String>builder()
                .add("GET", "/files/{name}", "one")
                .add("GET", "/files/{*path}", "all")
                .build();
        assertEquals(new RouteMatch.Found<>("one", "/files/{name}", Map.of("name", "x")), router.match("GET", "/files/x"));
    }

    @Test
    void patternMustStartWithSlash() {
        assertEquals("invalid route pattern 'users': a pattern must start with '/'", rejection("users"));
        assertEquals("invalid route pattern '': a pattern must start with '/'", rejection(""));
    }

    @Test
    void braceInsideSegmentIsRejected() {
        assertEquals("invalid route pattern '/users/id{x}': '{' outside a whole-segment {name} or {*name}",
                rejection("/users/id{x}"));
        assertEquals("invalid route pattern '/a/x}': '}' outside a whole-segment {name} or {*name}", rejection("/a/x}"));
        assertEquals("invalid route pattern '/a/{x': '{' outside a whole-segment {name} or {*name}", rejection("/a/{x"));
    }

    @Test
    void emptyParamNameIsRejected() {
        assertEquals("invalid route pattern '/a/{}': empty parameter name in '{}'", rejection("/a/{}"));
        assertEquals("invalid route pattern '/a/{*}': empty parameter name in '{*}'", rejection("/a/{*}"));
    }

    @Test
    void braceOrStarInParamNameIsRejected() {
        assertEquals("invalid route pattern '/a/{{x}}': '{' in parameter name '{x}'", rejection("/a/{{x}}"));
        assertEquals("invalid route pattern '/a/{x*}': '*' in parameter name 'x*'", rejection("/a/{x*}"));
    }

    @Test
    void catchAllNotLastIsRejected() {
        assertEquals("invalid route pattern '/a/{*rest}/b': a catch-all {*...} must be the last segment",
                rejection("/a/{*rest}/b"));
    }

    @Test
    void repeatedParamNameIsRejected() {
        assertEquals("invalid route pattern '/a/{id}/b/{id}': parameter name 'id' is used twice",
                rejection("/a/{id}/b/{id}"));
        assertEquals("invalid route pattern '/a/{id}/{*id}': parameter name 'id' is used twice",
                rejection("/a/{id}/{*id}"));
    }

    @Test
    void malformedPercentInPatternIsRejected() {
        assertEquals("invalid route pattern '/a%2': malformed percent-encoding at index 2", rejection("/a%2"));
        assertEquals("invalid route pattern '/%g0': malformed percent-encoding at index 1", rejection("/%g0"));
    }

    @Test
    void nonTokenMethodIsRejected() {
        assertEquals("route /a: method 'GE T' is not a token", rejection(Router.builder(), "GE T", "/a"));
        assertEquals("route /a: method '' is not a token", rejection(Router.builder(), "", "/a"));
    }

    @Test
    void emptyMethodListIsRejected() {
        RouteException e = assertThrows(RouteException.class,
                () -> Router.<String>builder().add(List.of(), "/a", "h"));
        assertEquals("route /a: no methods given", e.getMessage());
    }

    @Test
    void patternsListsDistinctPatternsInRegistrationOrder() {
        Router<String> router = Router.<String>builder()
                .add("GET", "/b", "b")
                .add("GET", "/a/{id}", "a")
                .add("POST", "/b", "b2")
                .build();
        assertEquals(List.of("/b", "/a/{id}"), router.patterns());
    }
}
