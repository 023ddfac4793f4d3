package dev.siphon.http.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * A blocking client socket that writes raw bytes and parses HTTP/1.1 responses strictly (CRLF
 * line ends, framing by {@code content-length}). Every read has a timeout, so a server that
 * never answers fails the test instead of stalling the build. Test thread only.
 */
final class RawConnection implements AutoCloseable {
    static final int READ_TIMEOUT_MS = 5000;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RawConnection(int port) throws IOException {
        this(port, null);
    }

    /** From a source address of its own ({@code "127.0.0.2"}: all of 127/8 is loopback on Linux), or null for any. */
    RawConnection(int port, String from) throws IOException {
        socket = new Socket();
        if (from != null) {
            socket.bind(new InetSocketAddress(from, 0));
        }
        socket.connect(new InetSocketAddress("127.0.0.1", port), READ_TIMEOUT_MS);
        socket.setSoTimeout(READ_TIMEOUT_MS);
        socket.setTcpNoDelay(true);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    int localPort() {
        return socket.getLocalPort();
    }

    RawConnection timeout(int ms) throws SocketException {
        socket.setSoTimeout(ms);
        return this;
    }

    /** Writes the string's ISO-8859-1 bytes in one write. */
    RawConnection send(String raw) throws IOException {
        return send(raw.getBytes(StandardCharsets.ISO_8859_1));
    }

    RawConnection send(byte[] raw) throws IOException {
        out.write(raw);
        out.flush();
        return this;
    }

    /** Half-closes: the server sees end of input, this side can still read. */
    void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    /** Reads one response to a non-HEAD request. */
    RawResponse read() throws IOException {
        return read(false);
    }

    /** Reads one response; after a HEAD request the content-length names no body on the wire. */
    RawResponse read(boolean headRequest) throws IOException {
        String statusLine;
        try {
            statusLine = readLine();
        } catch (SocketTimeoutException e) {
            statusLine = null;
            fail("no response within " + socket.getSoTimeout() + " ms");
        }
        if (statusLine == null) {
            fail("connection closed before a response arrived");
        }
        if (!statusLine.matches("HTTP/1\\.1 \\d{3} .*")) {
            fail("malformed status line: " + statusLine);
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        RawResponse.Builder r = new RawResponse.Builder(statusLine, status);
        while (true) {
            String line = readLine();
            if (line == null) {
                fail("connection closed inside the response head after: " + statusLine);
            }
            if (line.isEmpty()) {
                break;
            }
            int colon = line.indexOf(':');
            assertTrue(colon > 0, "malformed response header line: " + line);
            r.header(line.substring(0, colon), line.substring(colon + 1).strip());
        }
        RawResponse head = r.build(new byte[0]);
        boolean bodyless = status < 200 || status == 204 || status == 304 || headRequest;
        if (bodyless) {
            return head;
        }
        String cl = head.header("content-length");
        if (cl == null) {
            fail("response without content-length: " + head);
        }
        return r.build(readExactly(Integer.parseInt(cl)));
    }

    /** The next line without its CRLF, or null at end of stream before any byte; a bare LF fails. */
    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int c = in.read();
            if (c < 0) {
                if (line.size() == 0) {
                    return null;
                }
                fail("connection closed inside a line: " + line.toString(StandardCharsets.ISO_8859_1));
            }
            if (c == '\n') {
                fail("bare LF in response after: " + line.toString(StandardCharsets.ISO_8859_1));
            }
            if (c == '\r') {
                int lf = in.read();
                assertEquals('\n', lf, "CR not followed by LF in response");
                return line.toString(StandardCharsets.ISO_8859_1);
            }
            line.write(c);
        }
    }

    byte[] readExactly(int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            fail("connection closed after " + b.length + " of " + n + " body bytes");
        }
        return b;
    }

    /**
     * Asserts that the server closes the connection: the next read sees end of stream (a reset
     * counts too: the server closed with bytes unread). Bytes that arrive instead fail the test,
     * as does the read timeout.
     */
    void assertClosedByServer() throws IOException {
        try {
            int c = in.read();
            if (c >= 0) {
                byte[] rest = in.readNBytes(Math.min(in.available(), 200));
                fail("expected the server to close; it sent more: "
                        + ((char) c + new String(rest, StandardCharsets.ISO_8859_1)));
            }
        } catch (SocketTimeoutException e) {
            fail("server did not close the connection within " + socket.getSoTimeout() + " ms");
        } catch (SocketException e) {
            assertTrue(String.valueOf(e.getMessage()).contains("reset"), "unexpected socket error: " + e);
        }
    }

    /** Asserts that nothing arrives and the connection stays open for {@code ms}. */
    void assertStaysOpenFor(int ms) throws IOException {
        int old = socket.getSoTimeout();
        socket.setSoTimeout(ms);
        try {
            int c = in.read();
            fail(c < 0 ? "server closed the connection" : "unexpected byte from server: " + (char) c);
        } catch (SocketTimeoutException expected) {
            // still open, nothing sent
        } finally {
            socket.setSoTimeout(old);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
