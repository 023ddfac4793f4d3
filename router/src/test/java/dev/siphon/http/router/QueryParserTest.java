package dev.siphon.http.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QueryParserTest {

    @Test
    void nullOrEmptyIsEmptyMap() {
        assertEquals(Map.of(), QueryParser.parse(null));
        assertEquals(Map.of(), QueryParser.parse(""));
    }

    @Test
    void queryLastValueWins() {
        Map<String, String> params = QueryParser.parse("a=1&b=x+y&a=2");
        assertEquals(Map.of("a", "2", "b", "x y"), params);
        assertEquals(List.of("a", "b"), List.copyOf(params.keySet()));
    }

    @Test
    void queryPlusAndPercent() {
        assertEquals(Map.of("q", "café au lait", "sym", "a&b=c", "k y", "v"),
                QueryParser.parse("q=caf%C3%A9+au%20lait&sym=a%26b%3Dc&k+y=v"));
    }

    @Test
    void keyWithoutEqualsMapsToEmpty() {
        assertEquals(Map.of("flag", "", "x", "1", "blank", ""), QueryParser.parse("flag&x=1&blank="));
    }

    @Test
    void bareKeyAlsoFollowsLastValueWins() {
        assertEquals(Map.of("a", "", "b", "2"), QueryParser.parse("a=1&b&a&b=2"));
    }

    @Test
    void emptyPairsAreSkipped() {
        assertEquals(Map.of("a", "1", "b", "2"), QueryParser.parse("&a=1&&b=2&"));
        assertEquals(Map.of(), QueryParser.parse("&&"));
    }

    @Test
    void emptyKeyIsKept() {
        assertEquals(Map.of("", "v"), QueryParser.parse("=v"));
    }

    @Test
    void onlyFirstEqualsSplits() {
        assertEquals(Map.of("expr", "a=b=c"), QueryParser.parse("expr=a=b=c"));
    }

    @Test
    void semicolonIsNotASeparator() {
        assertEquals(Map.of("a", "1;b=2"), QueryParser.parse("a=1;b=2"));
    }

    @Test
    void malformedPercentIsKeptLiterally() {
        assertEquals(Map.of("p", "50%", "q", "%zz"), QueryParser.parse("p=50%&q=%zz"));
    }

    @Test
    void resultIsUnmodifiable() {
        Map<String, String> params = QueryParser.parse("a=1");
        assertThrows(UnsupportedOperationException.class, () -> params.put("b", "2"));
    }
}
