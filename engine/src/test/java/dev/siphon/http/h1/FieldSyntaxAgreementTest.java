package dev.siphon.http.h1;

import static dev.siphon.http.h1.Http1HeadParserTest.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.siphon.http.Response;
import dev.siphon.http.codec.BodyBuffer;
import dev.siphon.http.codec.ChunkedDecoder;
import dev.siphon.http.codec.CodecException;
import dev.siphon.http.codec.FieldSyntax;
import dev.siphon.http.internal.RequestError;
import dev.siphon.http.net.BufferPool;
import dev.siphon.http.net.OutboundQueue;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The server's HTTP/1.1 codecs judge names and values by {@link FieldSyntax}, for every octet
 * 0..255: the head parser (methods, field names, field values, each octet at every offset of an
 * 8-byte word, since the parser scans a word at a time), the chunked decoder (extension names,
 * quoted extension values, trailer lines) and the response encoder (names and values). What the
 * syntax refuses is a 400 (or an invalid header, for the encoder); what it allows is accepted.
 * Buffers are exactly as long as their input.
 */
class FieldSyntaxAgreementTest {
    private static final String NAME = "x-abcdefghijklmno";
    private static final String VALUE = "abcdefghijklmnop";

    /** The head parsed, or the status it was refused with. */
    private static Object parse(String request) {
        byte[] in = bytes(request);
        RequestHead head = new RequestHead();
        try {
            int n = new Http1HeadParser(Http1HeadParserTest.MAX_HEAD_BYTES, Http1HeadParserTest.MAX_HEADER_COUNT)
                    .parse(Arrays.copyOf(in, in.length), 0, in.length, head);
            assertEquals(in.length, n, "consumed");
            return head;
        } catch (RequestError e) {
            return e.status();
        }
    }

    private static String shown(int c) {
        return String.format("octet 0x%02x", c);
    }

    @Test
    void aMethodIsAcceptedExactlyWhenItsOctetsAreTchars() {
        for (int c = 0; c < 256; c++) {
            for (int i = 1; i < 9; i++) {
                String method = "GETXXXXXXX".substring(0, i) + (char) c + "GETXXXXXXX".substring(i);
                Object r = parse(method + " / HTTP/1.1\r\nHost: a\r\n\r\n");
                if (FieldSyntax.isTchar(c)) {
                    assertEquals(method, ((RequestHead) r).method, shown(c) + " at " + i);
                } else {
                    assertEquals(400, r, shown(c) + " at " + i);
                }
            }
        }
    }

    @Test
    void aFieldNameIsAcceptedExactlyWhenItsOctetsAreTchars() {
        for (int c = 0; c < 256; c++) {
            if (c == ':') {
                continue; // it ends the name
            }
            for (int i = 1; i < 10; i++) {
                String name = NAME.substring(0, i) + (char) c + NAME.substring(i);
                Object r = parse("GET / HTTP/1.1\r\nHost: a\r\n" + name + ": v\r\n\r\n");
                if (FieldSyntax.isTchar(c)) {
                    String lower = name.toLowerCase(java.util.Locale.ROOT);
                    assertEquals("v", ((RequestHead) r).headers.get(lower), shown(c) + " at " + i);
                } else {
                    assertEquals(400, r, shown(c) + " at " + i);
                }
            }
        }
    }

    @Test
    void aFieldValueIsAcceptedExactlyWhenItsOctetsAreValueOctets() {
        for (int c = 0; c < 256; c++) {
            for (int i = 1; i < 10; i++) {
                String value = VALUE.substring(0, i) + (char) c + VALUE.substring(i);
                Object r = parse("GET / HTTP/1.1\r\nHost: a\r\nx-v: " + value + "\r\n\r\n");
                if (FieldSyntax.isValueOctet(c)) {
                    assertEquals(value, ((RequestHead) r).headers.get("x-v"), shown(c) + " at " + i);
                } else {
                    assertEquals(400, r, shown(c) + " at " + i);
                }
            }
        }
    }

    /** The decoded body, or the status the server answers the refusal with. */
    private static Object decode(String body) {
        byte[] in = bytes(body);
        BodyBuffer buf = BodyBuffer.growable(1 << 20);
        try {
            ChunkedDecoder d = new ChunkedDecoder(16384);
            assertEquals(in.length, d.decode(Arrays.copyOf(in, in.length), 0, in.length, buf), "consumed");
            return new String(buf.toArray(), java.nio.charset.StandardCharsets.ISO_8859_1);
        } catch (CodecException e) {
            return RequestError.of(e).status();
        }
    }

    @Test
    void theChunkedDecoderJudgesExtensionsAndTrailersByTheSameSyntax() {
        for (int c = 0; c < 256; c++) {
            String tail = "\r\nhello\r\n0\r\n\r\n";
            if (c != ';' && c != '=') { // ";" starts another extension, "=" its value
                Object r = decode("5;a" + (char) c + "b" + tail);
                assertEquals(FieldSyntax.isTchar(c) ? "hello" : 400, r, shown(c) + " in an extension name");
            }
            if (c != '"' && c != '\\') { // they end the quoted-string and escape the next octet
                // qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text: value octets but " and \
                Object r = decode("5;a=\"x" + (char) c + "y\"" + tail);
                assertEquals(FieldSyntax.isValueOctet(c) ? "hello" : 400, r, shown(c) + " in a quoted extension value");
            }
            Object r = decode("0\r\nx-t: a" + (char) c + "b\r\n\r\n");
            assertEquals(FieldSyntax.isValueOctet(c) ? "" : 400, r, shown(c) + " in a trailer line");
        }
    }

    /** True when the encoder writes a response with this field. */
    private static boolean encodes(String name, String value) {
        OutboundQueue out = new OutboundQueue(new BufferPool(16384, 4));
        try {
            Http1Encoder.encode(new Response(200).header(name, value), false, false, false, out);
            return true;
        } catch (Http1Encoder.InvalidHeaderException e) {
            assertNotNull(e.getMessage());
            return false;
        } finally {
            out.discard();
        }
    }

    @Test
    void theEncoderWritesExactlyTheNamesAndValuesOfTheSyntax() {
        for (int c = 0; c < 256; c++) {
            assertEquals(FieldSyntax.isTchar(c), encodes("x-a" + (char) c + "b", "v"), shown(c) + " in a name");
            // chars from 0x80 go out as UTF-8, each of its octets obs-text
            assertEquals(FieldSyntax.isValueOctet(c), encodes("x-v", "a" + (char) c + "b"), shown(c) + " in a value");
        }
    }
}
