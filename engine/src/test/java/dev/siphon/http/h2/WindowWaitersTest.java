package dev.siphon.http.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The queue both roles keep of streams whose DATA waits for window. */
class WindowWaitersTest {

    @Test
    void aStreamWaitsOnceAndKeepsItsPlace() {
        WindowWaiters<String> w = new WindowWaiters<>();
        w.add("a");
        w.add("b");
        w.add("a");
        List<String> order = new ArrayList<>();
        w.forEach(order::add);
        assertEquals(List.of("a", "b"), order);
    }

    @Test
    void eachWaitingStreamGetsOneTurnOldestFirstAndAStreamStillShortGoesToTheBack() {
        WindowWaiters<String> w = new WindowWaiters<>();
        FlowControlWindow connection = new FlowControlWindow(100);
        w.add("a");
        w.add("b");
        w.add("c");
        List<String> turns = new ArrayList<>();
        w.resume(connection, s -> {
            turns.add(s);
            connection.consume(10);
            if (!s.equals("b")) {
                w.add(s); // still has body left: waits again, behind the others
            }
        });
        assertEquals(List.of("a", "b", "c"), turns, "one turn each, not a second for the re-added");
        List<String> left = new ArrayList<>();
        w.forEach(left::add);
        assertEquals(List.of("a", "c"), left);
    }

    @Test
    void resumingStopsWhenTheConnectionWindowIsSpent() {
        WindowWaiters<String> w = new WindowWaiters<>();
        FlowControlWindow connection = new FlowControlWindow(15);
        w.add("a");
        w.add("b");
        w.add("c");
        List<String> turns = new ArrayList<>();
        w.resume(connection, s -> {
            turns.add(s);
            connection.consume(10);
            w.add(s);
        });
        assertEquals(List.of("a", "b"), turns);
        List<String> left = new ArrayList<>();
        w.forEach(left::add);
        assertEquals(List.of("c", "a", "b"), left, "the one that got no turn is first next time");
    }

    @Test
    void removedAndClearedStreamsGetNoTurn() {
        WindowWaiters<String> w = new WindowWaiters<>();
        w.add("a");
        w.add("b");
        w.remove("a");
        assertFalse(w.contains("a"));
        assertTrue(w.contains("b"));
        w.clear();
        assertTrue(w.isEmpty());
        w.resume(new FlowControlWindow(100), s -> {
            throw new AssertionError("no stream waits: " + s);
        });
    }
}
