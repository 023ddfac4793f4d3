package dev.siphon.http.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.siphon.http.codec.CodecException;
import dev.siphon.http.codec.FieldSyntax;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The client's response parser judges names, values and the reason phrase by the same
 * {@link FieldSyntax} as the server, for every octet 0..255: what the syntax allows is parsed,
 * what it refuses is a malformed response. Buffers are exactly as long as their input.
 */
class FieldSyntaxAgreementTest {

    /** The head parsed, or the kind of its refusal. */
    private static Object parse(String text) {
        byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
        Http1ResponseParser p = new Http1ResponseParser(4096, 64);
        try {
            assertEquals(b.length, p.parse(b, 0, b.length), "consumed");
            return p.head();
        } catch (CodecException e) {
            return e.kind();
        }
    }

    private static String shown(int c) {
        return String.format("octet 0x%02x", c);
    }

    @Test
    void aFieldNameIsAcceptedExactlyWhenItsOctetsAreTchars() {
        for (int c = 0; c < 256; c++) {
            if (c == ':') {
                continue; // it ends the name
            }
            Object r = parse("HTTP/1.1 200 OK\r\nx-a" + (char) c + "b: v\r\n\r\n");
            if (FieldSyntax.isTchar(c)) {
                String lower = ("x-a" + (char) c + "b").toLowerCase(java.util.Locale.ROOT);
                assertEquals("v", ((ResponseHead) r).field(lower), shown(c));
            } else {
                assertEquals(CodecException.Kind.MALFORMED, r, shown(c));
            }
        }
    }

    @Test
    void aFieldValueIsAcceptedExactlyWhenItsOctetsAreValueOctets() {
        for (int c = 0; c < 256; c++) {
            String value = "a" + (char) c + "b";
            Object r = parse("HTTP/1.1 200 OK\r\nx-v: " + value + "\r\n\r\n");
            if (FieldSyntax.isValueOctet(c)) {
                assertEquals(value, ((ResponseHead) r).field("x-v"), shown(c));
            } else {
                assertEquals(CodecException.Kind.MALFORMED, r, shown(c));
            }
        }
    }

    @Test
    void aReasonPhraseIsAcceptedExactlyWhenItsOctetsAreValueOctets() {
        for (int c = 0; c < 256; c++) {
            if (c == '\r') {
                continue; // ends the status line; what follows it is the line's own rule, not the field syntax
            }
            Object r = parse("HTTP/1.1 200 O" + (char) c + "K\r\n\r\n");
            if (FieldSyntax.isValueOctet(c)) {
                assertEquals(200, ((ResponseHead) r).status(), shown(c));
            } else {
                assertEquals(CodecException.Kind.MALFORMED, r, shown(c));
            }
        }
    }
}
