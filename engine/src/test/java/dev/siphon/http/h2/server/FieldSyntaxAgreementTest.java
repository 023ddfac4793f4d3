package dev.siphon.http.h2.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.siphon.http.Headers;
import dev.siphon.http.codec.FieldSyntax;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 judges names and values by the same {@link FieldSyntax} as HTTP/1.1, for every octet
 * 0..255: a request field is accepted exactly when its name is a token without upper case
 * (RFC 9113 §8.2.1) and its value a field-value; a response field is written exactly when its
 * name is a token and its value's octets are value octets.
 */
class FieldSyntaxAgreementTest {

    /** The error a request's field sets, or null. */
    private static String requestFieldError(String name, String value) {
        RequestFields f = new RequestFields();
        f.reset(new Headers(), false);
        f.header(name, value, false);
        return f.error;
    }

    private static boolean writes(String name, String value) {
        try {
            ResponseHeaders.fields(new Headers().add(name, value));
            return true;
        } catch (ResponseHeaders.InvalidFieldException e) {
            return false;
        }
    }

    private static String shown(int c) {
        return String.format("octet 0x%02x", c);
    }

    @Test
    void aRequestFieldIsAcceptedExactlyWhenTheSyntaxAllowsIt() {
        for (int c = 0; c < 256; c++) {
            boolean lowerToken = FieldSyntax.isTchar(c) && !(c >= 'A' && c <= 'Z');
            assertEquals(lowerToken, requestFieldError("x-a" + (char) c + "b", "v") == null, shown(c) + " in a name");
            assertEquals(FieldSyntax.isValueOctet(c), requestFieldError("x-v", "a" + (char) c + "b") == null,
                    shown(c) + " in a value");
        }
        assertNull(requestFieldError("x-v", ""), "an empty value");
    }

    @Test
    void aResponseFieldIsWrittenExactlyWhenTheSyntaxAllowsIt() {
        for (int c = 0; c < 256; c++) {
            assertEquals(FieldSyntax.isTchar(c), writes("x-a" + (char) c + "b", "v"), shown(c) + " in a name");
            // chars from 0x80 go out as UTF-8, each of its octets obs-text
            assertEquals(FieldSyntax.isValueOctet(c), writes("x-v", "a" + (char) c + "b"), shown(c) + " in a value");
        }
    }
}
