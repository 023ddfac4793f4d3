package dev.siphon.http.client;

import static dev.siphon.http.h2.FrameType.*;

import dev.siphon.http.h2.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A fake HTTP/2 origin at the frame level, for the client's error paths: a ServerSocket on
 * 127.0.0.1:0 whose connections the test thread takes one at a time ({@link #accept}) and drives
 * frame by frame ({@link Peer}), well formed or not. Frames and header blocks are encoded by hand
 * (HPACK literals without indexing, never Huffman), so what goes on the wire is what the test
 * says. Every read waits at most {@value #TIMEOUT_MS} ms: a client that stays silent fails the test
 * instead of hanging it. The acceptor thread only queues sockets; everything else runs on the test
 * thread.
 */
final class RawH2Server implements AutoCloseable {
    static final int TIMEOUT_MS = 5000;
    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** One frame as it was on the wire (RFC 9113 §4.1). */
    record Frame(int type, int flags, int stream, byte[] payload) {
        int int32(int at) {
            return ByteBuffer.wrap(payload).getInt(at);
        }

        /** The error code of a RST_STREAM or GOAWAY. */
        ErrorCode errorCode() {
            int code = type == GOAWAY ? int32(4) : int32(0);
            return Arrays.stream(ErrorCode.values()).filter(c -> c.code() == code).findFirst().orElseThrow();
        }

        boolean has(int flag) {
            return (flags & flag) != 0;
        }

        @Override
        public String toString() {
            String[] names = {"DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS", "PUSH_PROMISE", "PING",
                    "GOAWAY", "WINDOW_UPDATE", "CONTINUATION"};
            String name = type < names.length ? names[type] : "type " + type;
            String extra = (type == RST_STREAM || type == GOAWAY) && payload.length >= 4 ? " " + errorCode() : "";
            return name + "(stream " + stream + ", flags 0x" + Integer.toHexString(flags) + ", " + payload.length
                    + " octets" + extra + ")";
        }
    }

    private final ServerSocket server;
    private final LinkedBlockingQueue<Socket> accepted = new LinkedBlockingQueue<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    RawH2Server() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("raw-h2-accept").start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    sockets.add(s);
                    accepted.add(s);
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** Connections the client opened so far. */
    int accepted() {
        return sockets.size();
    }

    /** The next connection the client opens, once its preface (RFC 9113 §3.4) has arrived. */
    Peer accept() throws IOException, InterruptedException {
        Socket s = accepted.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        if (s == null) {
            throw new AssertionError("the client opened no connection within " + TIMEOUT_MS + " ms");
        }
        return new Peer(s);
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }

    /** The origin's end of one connection. */
    static final class Peer {
        private final OutputStream out;
        private final DataInputStream in;

        Peer(Socket s) throws IOException {
            s.setSoTimeout(TIMEOUT_MS);
            s.setTcpNoDelay(true);
            out = s.getOutputStream();
            in = new DataInputStream(s.getInputStream());
            byte[] preface = new byte[PREFACE.length];
            in.readFully(preface);
            if (!Arrays.equals(PREFACE, preface)) {
                throw new AssertionError("not the HTTP/2 client preface: " + new String(preface, StandardCharsets.ISO_8859_1));
            }
        }

        /** The client's SETTINGS (its preface's second part), which must come next. */
        Frame clientSettings() throws IOException {
            Frame f = read();
            if (f == null || f.type != SETTINGS || f.has(FLAG_ACK)) {
                throw new AssertionError("expected the client's SETTINGS, got " + f);
            }
            return f;
        }

        /** Reads the client's SETTINGS, sends ours ({@code idValues}: pairs) and the ack of the client's. */
        void handshake(int... idValues) throws IOException {
            clientSettings();
            settings(idValues);
            frame(SETTINGS, FLAG_ACK, 0, new byte[0]);
        }

        void frame(int type, int flags, int stream, byte[] payload) throws IOException {
            raw(header(payload.length, type, flags, stream));
            raw(payload);
        }

        /** A frame header alone: a length that need not match what follows. */
        static byte[] header(int length, int type, int flags, int stream) {
            return ByteBuffer.allocate(HEADER_LENGTH).put((byte) (length >>> 16)).put((byte) (length >>> 8))
                    .put((byte) length).put((byte) type).put((byte) flags).putInt(stream).array();
        }

        void raw(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        /** SETTINGS with {@code idValues} as pairs of identifier and value (values as unsigned 32 bits). */
        void settings(long... idValues) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(idValues.length * 3);
            for (int i = 0; i < idValues.length; i += 2) {
                b.putShort((short) idValues[i]).putInt((int) idValues[i + 1]);
            }
            frame(SETTINGS, 0, 0, b.array());
        }

        void settings(int... idValues) throws IOException {
            settings(Arrays.stream(idValues).asLongStream().toArray());
        }

        /** One HEADERS frame with END_HEADERS carrying {@code nameValues} (pairs) as {@link #block}. */
        void headers(int stream, boolean endStream, String... nameValues) throws IOException {
            frame(HEADERS, FLAG_END_HEADERS | (endStream ? FLAG_END_STREAM : 0), stream, block(nameValues));
        }

        void data(int stream, boolean endStream, byte[] data) throws IOException {
            frame(DATA, endStream ? FLAG_END_STREAM : 0, stream, data);
        }

        void rst(int stream, int code) throws IOException {
            frame(RST_STREAM, 0, stream, ByteBuffer.allocate(4).putInt(code).array());
        }

        void rst(int stream, ErrorCode code) throws IOException {
            rst(stream, code.code());
        }

        void goAway(int lastStreamId, ErrorCode code) throws IOException {
            frame(GOAWAY, 0, 0, ByteBuffer.allocate(8).putInt(lastStreamId).putInt(code.code()).array());
        }

        void ping() throws IOException {
            frame(PING, 0, 0, new byte[8]);
        }

        /** A complete response: :status 200, content-length, and {@code body} in one DATA frame. */
        void respond(int stream, String body) throws IOException {
            byte[] b = body.getBytes(StandardCharsets.ISO_8859_1);
            headers(stream, false, ":status", "200", "content-length", Integer.toString(b.length));
            data(stream, true, b);
        }

        /**
         * An HPACK block (RFC 7541) of {@code nameValues}, pairs in order, each a literal header
         * field without indexing and with a literal name (§6.2.2), strings without Huffman coding:
         * it leaves the client's dynamic table empty.
         */
        static byte[] block(String... nameValues) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (int i = 0; i < nameValues.length; i += 2) {
                b.write(0x00);
                string(b, nameValues[i]);
                string(b, nameValues[i + 1]);
            }
            return b.toByteArray();
        }

        private static void string(ByteArrayOutputStream b, String s) {
            byte[] octets = s.getBytes(StandardCharsets.ISO_8859_1);
            int n = octets.length; // RFC 7541 §5.1: a 7-bit prefix, H = 0
            if (n < 127) {
                b.write(n);
            } else {
                b.write(127);
                for (n -= 127; n >= 128; n >>>= 7) {
                    b.write((n & 0x7F) | 0x80);
                }
                b.write(n);
            }
            b.writeBytes(octets);
        }

        /** The next frame from the client; null once it closed the connection. */
        Frame read() throws IOException {
            byte[] h = new byte[HEADER_LENGTH];
            try {
                in.readFully(h);
                int len = ((h[0] & 0xFF) << 16) | ((h[1] & 0xFF) << 8) | (h[2] & 0xFF);
                byte[] p = new byte[len];
                in.readFully(p);
                return new Frame(h[3] & 0xFF, h[4] & 0xFF, ByteBuffer.wrap(h, 5, 4).getInt() & 0x7FFF_FFFF, p);
            } catch (EOFException e) {
                return null;
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the client sent nothing for " + TIMEOUT_MS + " ms", e);
            } catch (SocketException e) {
                return null; // reset: the client closed with our bytes unread
            }
        }

        /** Window credit and SETTINGS acks: frames a test of an error path looks past. */
        private static boolean routine(Frame f) {
            return f.type == WINDOW_UPDATE || f.type == SETTINGS && f.has(FLAG_ACK);
        }

        /** The next frame other than {@link #routine} ones, which must be of {@code type} on {@code stream}. */
        Frame expect(int type, int stream) throws IOException {
            Frame f;
            do {
                f = read();
            } while (f != null && routine(f));
            if (f == null || f.type != type || f.stream != stream) {
                throw new AssertionError("expected " + new Frame(type, 0, stream, new byte[0]) + ", got "
                        + (f == null ? "the connection closed" : f));
            }
            return f;
        }

        /** What the client sends, but {@link #routine} frames, until it closes the connection. */
        List<Frame> untilClosed() throws IOException {
            List<Frame> frames = new ArrayList<>();
            for (Frame f; (f = read()) != null; ) {
                if (!routine(f)) {
                    frames.add(f);
                }
            }
            return frames;
        }
    }
}
