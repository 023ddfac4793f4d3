package dev.siphon.http.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RESP2 replies read from the bytes as they arrive, one byte at a time included. */
class RespReaderTest {
    private static final String REPLIES = "+OK\r\n-WRONGTYPE Operation\r\n:-42\r\n$5\r\nhe\r\nl\r\n$-1\r\n*-1\r\n"
            + "*3\r\n$1\r\na\r\n*2\r\n:1\r\n-ERR x\r\n$0\r\n\r\n";

    private static void check(List<Object> got) {
        assertEquals("OK", got.get(0));
        assertEquals(new RespReader.Error("WRONGTYPE Operation"), got.get(1));
        assertEquals(-42L, got.get(2));
        assertArrayEquals("he\r\nl".getBytes(StandardCharsets.UTF_8), (byte[]) got.get(3));
        assertNull(got.get(4));
        assertNull(got.get(5));
        List<?> array = (List<?>) got.get(6);
        assertArrayEquals(new byte[] {'a'}, (byte[]) array.get(0));
        assertEquals(List.of(1L, new RespReader.Error("ERR x")), array.get(1));
        assertArrayEquals(new byte[0], (byte[]) array.get(2));
        assertEquals(7, got.size());
    }

    @Test
    void wholeAndBytewise() throws Exception {
        byte[] all = REPLIES.getBytes(StandardCharsets.UTF_8);
        RespReader r = new RespReader();
        r.feed(ByteBuffer.wrap(all));
        List<Object> got = new java.util.ArrayList<>();
        for (Object o; (o = r.next()) != RespReader.INCOMPLETE; ) {
            got.add(o);
        }
        check(got);

        RespReader slow = new RespReader();
        got.clear();
        for (byte b : all) {
            slow.feed(ByteBuffer.wrap(new byte[] {b}));
            for (Object o; (o = slow.next()) != RespReader.INCOMPLETE; ) {
                got.add(o);
            }
        }
        check(got);
        assertSame(RespReader.INCOMPLETE, slow.next());
    }

    @Test
    void malformedRepliesAreProtocolErrors() throws Exception {
        for (String bad : List.of("?x\r\n", ":abc\r\n", "$-5\r\n", "$3\r\nabcde\r\n", "*99999999999\r\n", "+a\rb\r\n")) {
            RespReader r = new RespReader();
            r.feed(ByteBuffer.wrap(bad.getBytes(StandardCharsets.UTF_8)));
            assertThrows(RespReader.ProtocolException.class, r::next, bad);
        }
        RespReader deep = new RespReader();
        deep.feed(ByteBuffer.wrap("*1\r\n".repeat(40).getBytes(StandardCharsets.UTF_8)));
        assertThrows(RespReader.ProtocolException.class, deep::next);
    }

    @Test
    void encodesCommandsAsArraysOfBulkStrings() {
        assertEquals("*2\r\n$3\r\nGET\r\n$3\r\nk\r\n\r\n", new String(RespReader.encode("GET".getBytes(),
                "k\r\n".getBytes()), StandardCharsets.UTF_8));
    }
}
