package dev.siphon.http.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouterMatchingTest {

    private static RouteMatch<String> found(String handler, String pattern, Map<String, String> params) {
        return new RouteMatch.Found<>(handler, pattern, params);
    }

    private static final RouteMatch<String> NOT_FOUND = new RouteMatch.NotFound<>();

    @Test
    void matchesStaticPath() {
        Router<String> router = Router.<String>builder()
                .add("GET", "/health", "health")
                .add("GET", "/users/list", "list")
                .build();
        assertEquals(found("health", "/health", Map.of()), router.match("GET", "/health"));
        assertEquals(found("list", "/users/list", Map.of()), router.match("GET", "/users/list"));
        assertEquals(NOT_FOUND, router.match("GET", "/users"));
        assertEquals(NOT_FOUND, router.match("GET", "/healthz"));
    }

    @Test
    void rootPatternMatchesOnlyRoot() {
        Router<String> router = Router.<String>builder().add("GET", "/", "root").build();
        assertEquals(found("root", "/", Map.of()), router.match("GET", "/"));
        assertEquals(NOT_FOUND, router.match("GET", "/x"));
        assertEquals(NOT_FOUND, router.match("GET", "//"));
    }

    @Test
    void extractsParamsInPatternOrder() {
        Router<String> router = Router.<String>builder()
                .add("GET", "/users/{id}/orders/{order}", "order")
                .build();
        RouteMatch<String> match = router.match("GET", "/users/42/orders/7");
        assertEquals(found("order", "/users/{id}/orders/{order}", Map.of("id", "42", "order", "7")), match);
        Map<String, String> params = ((RouteMatch.Found<String>) match).params();
        assertEquals(List.of("id", "order"), List.copyOf(params.keySet()));
        assertEquals("{id=42, order=7}", params.toString());
    }

    @Test
    void paramDoesNotMatchEmptySegment() {
        Router<String> router = Router.<String>builder().add("GET", "/users/{id}", "user").build();
        assertEquals(NOT_FOUND, router.match("GET", "/users/"));
        assertEquals(NOT_FOUND, router.match("GET", "/users"));
        assertEquals(NOT_FOUND, router.match("GET", "/users/1/"));
    }

    @Test
    void staticBeatsParamBeatsCatchAll() {
        Router<String> router = Router.<String>builder()
                .add("GET", "/files/{*path}", "all")
                .add("GET", "/files/{name}", "one")
                .add("GET", "/files/readme", "readme")
                .build();
        assertEquals(found("readme", "/files/readme", Map.of()), router.match("GET", "/files/readme"));
        assertEquals(found("one", "/files/{name}", Map.of("name", "a.txt")), router.match("GET", "/files/a.txt"));
        assertEquals(found("all", "/files/{*path}", Map.of("path", "a/b.txt")), router.match("GET", "/files/a/b.txt"));
    }

    @Test
    void backtracksFromStaticDeadEnd() {
        Router<String> router = Router.<String>builder()
                .add("GET", "/a/{x}/c", "param")
                .add("GET", "/a/b/d", "static")
                .build();
        assertEquals(found("param", "/a/{x}/c", Map.of("x", "b")), router.match("GET", "/a/b/c"));
        assertEquals(found("static", "/a/b/d", Map.of()), router.match("GET", "/a/b/d"));
        assertEquals(found("param", "/a/{x}/c", Map.of("x", "z")), router.match("GET", "/a/z/c"));
    }

    @Test
    void backtracksFromStaticNodeWithoutRoute() {
        Router<String> router = Router.<String>builder()
                .add("GET", "/a/{x}", "param")
                .add("GET", "/a/b/c", "deep")
                .build();
        assertEquals(found("param", "/a/{x}", Map.of("x", "b")), router.match("GET", "/a/b"));
    }

    @Test
    void backtracksFromParamDeadEndToCatchAll() {
        Router<String> router = Router.<String>builder()
                .add("GET", "/a/{x}/c", "param")
                .add("GET", "/a/{*rest}", "rest")
                .build();
        assertEquals(found("rest", "/a/{*rest}", Map.of("rest", "b/d")), router.match("GET", "/a/b/d"));
        assertEquals(found("param", "/a/{x}/c", Map.of("x", "b")), router.match("GET", "/a/b/c"));
    }

    @Test
    void catchAllCapturesRest() {
        Router<String> router = Router.<String>builder().add("GET", "/static/{*rest}", "static").build();
        assertEquals(found("static", "/static/{*rest}", Map.of("rest", "css/site.css")),
                router.match("GET", "/static/css/site.css"));
        assertEquals(found("static", "/static/{*rest}", Map.of("rest", "dir/")), router.match("GET", "/static/dir/"));
        assertEquals(found("static", "/static/{*rest}", Map.of("rest", "a//b")), router.match("GET", "/static/a//b"));
    }

    @Test
    void catchAllNeedsOneCharacter() {
        Router<String> router = Router.<String>builder()
                .add("GET", "/static/{*rest}", "static")
                .add("GET", "/{*any}", "any")
                .build();
        assertEquals(found("any", "/{*any}", Map.of("any", "static")), router.match("GET", "/static"));
        assertEquals(found("any", "/{*any}", Map.of("any", "static/")), router.match("GET", "/static/"));
        assertEquals(NOT_FOUND, router.match("GET", "/"));
    }

    @Test
    void catchAllIsPercentDecodedAsAWhole() {
        Router<String> router = Router.<String>builder().add("GET", "/s/{*rest}", "s").build();
        assertEquals(found("s", "/s/{*rest}", Map.of("rest", "a b/c/d")), router.match("GET", "/s/a%20b/c%2Fd"));
    }

    @Test
    void trailingSlashIsADifferentPath() {
        Router<String> router = Router.<String>builder()
                .add("GET", "/users", "bare")
                .add("GET", "/docs/", "slash")
                .build();
        assertEquals(found("bare", "/users", Map.of()), router.match("GET", "/users"));
        assertEquals(NOT_FOUND, router.match("GET", "/users/"));
        assertEquals(found("slash", "/docs/", Map.of()), router.match("GET", "/docs/"));
        assertEquals(NOT_FOUND, router.match("GET", "/docs"));
    }

    @Test
    void pathIsCaseSensitive() {
        Router<String> router = Router.<String>builder().add("GET", "/Users", "users").build();
        assertEquals(found("users", "/Users", Map.of()), router.match("GET", "/Users"));
        assertEquals(NOT_FOUND, router.match("GET", "/users"));
    }

    @Test
    void pathNotStartingWithSlashIsNotFound() {
        Router<String> router = Router.<String>builder().add("OPTIONS", "/{*all}", "all").build();
        assertEquals(NOT_FOUND, router.match("OPTIONS", "*"));
        assertEquals(NOT_FOUND, router.match("OPTIONS", ""));
    }

    @Test
    void notFoundIsSharedInstance() {
        Router<String> router = Router.<String>builder().add("GET", "/a", "a").build();
        assertSame(router.match("GET", "/b"), router.match("POST", "/c/d"));
        assertInstanceOf(RouteMatch.NotFound.class, router.match("GET", "/b"));
    }

    @Test
    void sharesPathAcrossMethods() {
        Router<String> router = Router.<String>builder()
                .add("GET", "/webhook", "verify")
                .add("POST", "/webhook", "receive")
                .build();
        assertEquals(found("verify", "/webhook", Map.of()), router.match("GET", "/webhook"));
        assertEquals(found("receive", "/webhook", Map.of()), router.match("POST", "/webhook"));
    }

    @Test
    void oneRegistrationServesSeveralMethods() {
        Router<String> router = Router.<String>builder()
                .add(List.of("GET", "DELETE"), "/orders/{id}", "order")
                .build();
        assertEquals(found("order", "/orders/{id}", Map.of("id", "9")), router.match("GET", "/orders/9"));
        assertEquals(found("order", "/orders/{id}", Map.of("id", "9")), router.match("DELETE", "/orders/9"));
    }

    @Test
    void methodNotAllowedListsAllow() {
        Router<String> router = Router.<String>builder()
                .add("POST", "/items/{id}", "post")
                .add(List.of("put", "GET"), "/items/{id}", "get-put")
                .build();
        assertEquals(new RouteMatch.MethodNotAllowed<String>("GET, HEAD, POST, PUT"), router.match("DELETE", "/items/1"));
    }

    @Test
    void allowOmitsHeadWithoutGet() {
        Router<String> router = Router.<String>builder().add("POST", "/hook", "hook").build();
        assertEquals(new RouteMatch.MethodNotAllowed<String>("POST"), router.match("GET", "/hook"));
        assertEquals(new RouteMatch.MethodNotAllowed<String>("POST"), router.match("HEAD", "/hook"));
    }

    @Test
    void methodNotAllowedIsSharedPerPath() {
        Router<String> router = Router.<String>builder().add("GET", "/a/{x}", "a").build();
        assertSame(router.match("POST", "/a/1"), router.match("PUT", "/a/2"));
    }

    @Test
    void mostSpecificPathDecidesBeforeMethod() {
        Router<String> router = Router.<String>builder()
                .add("GET", "/users/{id}", "user")
                .add("POST", "/users/new", "create")
                .build();
        assertEquals(new RouteMatch.MethodNotAllowed<String>("POST"), router.match("GET", "/users/new"));
    }

    @Test
    void headFallsBackToGet() {
        Router<String> router = Router.<String>builder().add("GET", "/page/{n}", "page").build();
        assertEquals(found("page", "/page/{n}", Map.of("n", "3")), router.match("HEAD", "/page/3"));
    }

    @Test
    void registeredHeadBeatsGet() {
        Router<String> router = Router.<String>builder()
                .add("GET", "/page", "get")
                .add("HEAD", "/page", "head")
                .build();
        assertEquals(found("head", "/page", Map.of()), router.match("HEAD", "/page"));
        assertEquals(found("get", "/page", Map.of()), router.match("GET", "/page"));
    }

    @Test
    void registeredMethodsAreUpperCased() {
        Router<String> router = Router.<String>builder().add("post", "/p", "p").build();
        assertEquals(found("p", "/p", Map.of()), router.match("POST", "/p"));
    }

    @Test
    void requestMethodIsCaseSensitive() {
        Router<String> router = Router.<String>builder().add("GET", "/p", "p").build();
        assertEquals(new RouteMatch.MethodNotAllowed<String>("GET, HEAD"), router.match("get", "/p"));
    }

    @Test
    void percentDecodesParams() {
        Router<String> router = Router.<String>builder().add("GET", "/hello/{name}", "hello").build();
        assertEquals(found("hello", "/hello/{name}", Map.of("name", "José María")),
                router.match("GET", "/hello/Jos%C3%A9%20Mar%c3%ada"));
        assertEquals(found("hello", "/hello/{name}", Map.of("name", "a+b")), router.match("GET", "/hello/a+b"));
    }

    @Test
    void encodedSlashStaysInOneParam() {
        Router<String> router = Router.<String>builder()
                .add("GET", "/repos/{name}", "repo")
                .add("GET", "/repos/{name}/issues", "issues")
                .build();
        assertEquals(found("repo", "/repos/{name}", Map.of("name", "org/project")),
                router.match("GET", "/repos/org%2Fproject"));
        assertEquals(found("issues", "/repos/{name}/issues", Map.of("name", "a/b")),
                router.match("GET", "/repos/a%2Fb/issues"));
    }

    @Test
    void unencodedParamIsReturnedAsSubstring() {
        Router<String> router = Router.<String>builder().add("GET", "/u/{id}", "u").build();
        RouteMatch.Found<String> match = (RouteMatch.Found<String>) router.match("GET", "/u/plain-id_1.2~");
        assertEquals("plain-id_1.2~", match.params().get("id"));
    }

    @Test
    void malformedPercentIsBadPath() {
        Router<String> router = Router.<String>builder().add("GET", "/u/{id}", "u").build();
        assertEquals(new RouteMatch.BadPath<String>("path parameter 'id': malformed percent-encoding at index 1"),
                router.match("GET", "/u/a%zz"));
        assertEquals(new RouteMatch.BadPath<String>("path parameter 'id': malformed percent-encoding at index 2"),
                router.match("GET", "/u/ab%4"));
    }

    @Test
    void invalidUtf8InParamIsBadPath() {
        Router<String> router = Router.<String>builder().add("GET", "/u/{id}", "u").build();
        assertEquals(new RouteMatch.BadPath<String>("path parameter 'id': percent-encoded octets are not valid UTF-8"),
                router.match("GET", "/u/%C3%28"));
        assertEquals(new RouteMatch.BadPath<String>("path parameter 'id': percent-encoded octets are not valid UTF-8"),
                router.match("GET", "/u/%C0%AF"));
    }

    @Test
    void malformedPercentOutsideParamsIsNotFound() {
        Router<String> router = Router.<String>builder().add("GET", "/u/{id}", "u").build();
        assertEquals(NOT_FOUND, router.match("GET", "/%zz/1"));
    }

    @Test
    void methodNotAllowedTakesPrecedenceOverBadPath() {
        Router<String> router = Router.<String>builder().add("GET", "/u/{id}", "u").build();
        assertEquals(new RouteMatch.MethodNotAllowed<String>("GET, HEAD"), router.match("POST", "/u/%zz"));
    }

    @Test
    void staticNonAsciiPatternMatchesEncodedPath() {
        Router<String> router = Router.<String>builder().add("GET", "/café/menu du jour", "menu").build();
        assertEquals(found("menu", "/café/menu du jour", Map.of()), router.match("GET", "/caf%C3%A9/menu%20du%20jour"));
    }

    @Test
    void staticPatternHexIsUpperCasedAndComparedExactly() {
        Router<String> router = Router.<String>builder().add("GET", "/a%2fb", "ab").build();
        assertEquals(found("ab", "/a%2fb", Map.of()), router.match("GET", "/a%2Fb"));
        assertEquals(NOT_FOUND, router.match("GET", "/a%2fb"));
        assertEquals(NOT_FOUND, router.match("GET", "/a/b"));
    }

    @Test
    void paramsMapIsUnmodifiable() {
        Router<String> router = Router.<String>builder().add("GET", "/u/{id}", "u").build();
        Map<String, String> params = ((RouteMatch.Found<String>) router.match("GET", "/u/1")).params();
        assertThrows(UnsupportedOperationException.class, () -> params.put("id", "2"));
        assertEquals("1", params.get("id"));
    }

    @Test
    void routesAmongManySiblingsResolve() {
        Router.Builder<Integer> builder = Router.builder();
        for (int i = 0; i < 50; i++) {
            builder.add("GET", "/r" + i + "/{id}/orders/{order}", i);
        }
        Router<Integer> router = builder.build();
        for (int i = 0; i < 50; i++) {
            assertEquals(new RouteMatch.Found<>(i, "/r" + i + "/{id}/orders/{order}", Map.of("id", "u" + i, "order", "o")),
                    router.match("GET", "/r" + i + "/u" + i + "/orders/o"));
        }
    }

    @Test
    void staticSiblingsOfOneLengthAndFirstCharacterAreToldApart() {
        Router<String> router = Router.<String>builder()
                .add("GET", "/users", "users")
                .add("GET", "/uxers", "uxers")
                .add("GET", "/usera", "usera")
                .add("GET", "/u", "u")
                .add("GET", "/", "root")
                .build();
        assertEquals(found("users", "/users", Map.of()), router.match("GET", "/users"));
        assertEquals(found("uxers", "/uxers", Map.of()), router.match("GET", "/uxers"));
        assertEquals(found("usera", "/usera", Map.of()), router.match("GET", "/usera"));
        assertEquals(found("u", "/u", Map.of()), router.match("GET", "/u"));
        assertEquals(found("root", "/", Map.of()), router.match("GET", "/"));
        assertEquals(NOT_FOUND, router.match("GET", "/usery"));
        assertEquals(NOT_FOUND, router.match("GET", "/v"));
    }

    @Test
    void paramsAfterStaticSegmentsOfEveryLengthAreFound() {
        Router<String> router = Router.<String>builder()
                .add("GET", "/a/{x}/bb//ccc/{y}/{z}/d", "deep")
                .add("GET", "/{first}/static/{*rest}", "rest")
                .add("GET", "//{afterEmpty}", "empty")
                .build();
        assertEquals(found("deep", "/a/{x}/bb//ccc/{y}/{z}/d", Map.of("x", "1", "y", "two", "z", "3 3")),
                router.match("GET", "/a/1/bb//ccc/two/3%203/d"));
        assertEquals(found("rest", "/{first}/static/{*rest}", Map.of("first", "f/1", "rest", "x/y z")),
                router.match("GET", "/f%2F1/static/x/y%20z"));
        assertEquals(found("empty", "//{afterEmpty}", Map.of("afterEmpty", "e")), router.match("GET", "//e"));
        assertEquals(new RouteMatch.BadPath<String>("path parameter 'y': malformed percent-encoding at index 1"),
                router.match("GET", "/a/1/bb//ccc/t%zz/3/d"));
    }

    @Test
    void paramsMapHoldsAnyNumberOfParams() {
        Router<String> router = Router.<String>builder()
                .add("GET", "/{a}", "one")
                .add("GET", "/{a}/{b}/{c}", "three")
                .add("GET", "/{a}/{b}/{c}/{d}/x/{e}", "five")
                .build();
        assertEquals(found("one", "/{a}", Map.of("a", "1")), router.match("GET", "/1"));
        assertEquals(found("three", "/{a}/{b}/{c}", Map.of("a", "1", "b", "2", "c", "3")),
                router.match("GET", "/1/2/3"));
        RouteMatch<String> match = router.match("GET", "/1/2/3/4%2F4/x/5");
        assertEquals(found("five", "/{a}/{b}/{c}/{d}/x/{e}", Map.of("a", "1", "b", "2", "c", "3", "d", "4/4", "e", "5")),
                match);
        Map<String, String> params = ((RouteMatch.Found<String>) match).params();
        assertEquals(5, params.size());
        assertEquals("{a=1, b=2, c=3, d=4/4, e=5}", params.toString());
        assertEquals(List.of("1", "2", "3", "4/4", "5"), List.copyOf(params.values()));
        assertEquals("4/4", params.get("d"));
        assertEquals(null, params.get("f"));
        assertEquals(true, params.containsKey("e"));
        assertEquals(Map.of("a", "1", "b", "2", "c", "3", "d", "4/4", "e", "5").hashCode(), params.hashCode());
    }

    @Test
    void routeWithoutParamsAnswersOneSharedMatchPerMethod() {
        Router<String> router = Router.<String>builder()
                .add("GET", "/s", "get")
                .add("POST", "/s", "post")
                .build();
        assertSame(router.match("GET", "/s"), router.match("GET", "/s"));
        assertSame(router.match("GET", "/s"), router.match("HEAD", "/s"));
        assertEquals(found("post", "/s", Map.of()), router.match("POST", "/s"));
    }

    @Test
    void builderStaysUsableAfterBuild() {
        Router.Builder<String> builder = Router.<String>builder().add("GET", "/a", "a");
        Router<String> first = builder.build();
        builder.add("GET", "/b", "b");
        assertEquals(NOT_FOUND, first.match("GET", "/b"));
        assertEquals(found("b", "/b", Map.of()), builder.build().match("GET", "/b"));
    }
}
