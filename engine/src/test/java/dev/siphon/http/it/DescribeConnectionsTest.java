package dev.siphon.http.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.HttpEngine;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link HttpEngine#describeConnections}: one line per open connection over real sockets, saying
 * what each waits for, and none once they are closed (the soak test prints it for connections
 * still open at its end).
 */
class DescribeConnectionsTest {
    @RegisterExtension
    final EngineFixture fx = new EngineFixture();

    @Test
    void aConnectionInTheMiddleOfItsHeadAndAnIdleOneAreEachDescribed() throws Exception {
        HttpEngine e = fx.start();
        RawConnection idle = fx.connect(e);
        idle.send("GET /hello/x HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals(200, idle.read().status());
        RawConnection partial = fx.connect(e);
        partial.send("GET /hello/y HTTP/1.1\r\nHost: a\r\nX-Slow: ");

        List<String> lines = List.of();
        for (int i = 0; i < 200; i++) { // the partial head reaches the server soon, not at once
            lines = e.describeConnections();
            if (lines.stream().anyMatch(l -> l.contains("head started"))) {
                break;
            }
            Thread.sleep(10);
        }
        assertEquals(2, lines.size(), String.join("\n", lines));
        assertTrue(lines.stream().anyMatch(l -> l.contains("http/1.1 HEAD, 0 in flight, head started")
                && l.contains("interest r") && l.contains("kept 40 B")), String.join("\n", lines));
        assertTrue(lines.stream().anyMatch(l -> l.endsWith("http/1.1 HEAD, 0 in flight")), String.join("\n", lines));

        idle.close();
        partial.close();
        for (int i = 0; i < 200 && !e.describeConnections().isEmpty(); i++) {
            Thread.sleep(10);
        }
        assertEquals(List.of(), e.describeConnections());
    }
}
