package dev.siphon.http.h2;

import dev.siphon.http.h2.hpack.HpackDecoder;
import dev.siphon.http.h2.hpack.HpackEncoder;
import dev.siphon.http.h2.hpack.HpackException;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A tiny HTTP/2 client that writes raw frames, well formed or not, for protocol tests. Test thread only. */
final class RawH2Client implements AutoCloseable {
    record Frame(int type, int flags, int stream, byte[] payload) {
        int int32(int at) {
            return ByteBuffer.wrap(payload).getInt(at);
        }
    }

    record Reply(int status, Map<String, String> headers, byte[] body) {}

    final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;
    private final HpackEncoder encoder = new HpackEncoder(4096);
    private final HpackDecoder decoder = new HpackDecoder(4096, 1 << 20);
    final List<Frame> seen = new ArrayList<>();

    RawH2Client(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(5000);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        in = new DataInputStream(socket.getInputStream());
    }

    /** Preface and an empty SETTINGS frame, then the ack of the server's SETTINGS. */
    static RawH2Client connect(int port) throws IOException {
        RawH2Client c = new RawH2Client(port);
        c.out.write(FrameType.PREFACE);
        c.frame(FrameType.SETTINGS, 0, 0, new byte[0]);
        c.frame(FrameType.SETTINGS, FrameType.FLAG_ACK, 0, new byte[0]);
        return c;
    }

    void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(9 + payload.length);
        FrameWriter.header(b, payload.length, type, flags, stream);
        b.put(payload);
        out.write(b.array());
        out.flush();
    }

    void raw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** An HPACK block of {@code nameValues}: pairs of strings, in order. */
    byte[] block(String... nameValues) {
        ByteBuffer b = ByteBuffer.allocate(65536);
        encoder.beginBlock(b);
        for (int i = 0; i < nameValues.length; i += 2) {
            encoder.encode(nameValues[i], nameValues[i + 1], b);
        }
        byte[] r = new byte[b.position()];
        b.flip().get(r);
        return r;
    }

    static String[] get(String path) {
        return new String[] {":method", "GET", ":scheme", "http", ":path", path, ":authority", "localhost"};
    }

    static String[] request(String method, String path, String... more) {
        String[] base = {":method", method, ":scheme", "http", ":path", path, ":authority", "localhost"};
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    void headers(int stream, boolean endStream, String... nameValues) throws IOException {
        frame(FrameType.HEADERS, FrameType.FLAG_END_HEADERS | (endStream ? FrameType.FLAG_END_STREAM : 0), stream,
                block(nameValues));
    }

    void data(int stream, byte[] data, boolean endStream) throws IOException {
        frame(FrameType.DATA, endStream ? FrameType.FLAG_END_STREAM : 0, stream, data);
    }

    void rst(int stream, int code) throws IOException {
        frame(FrameType.RST_STREAM, 0, stream, ByteBuffer.allocate(4).putInt(code).array());
    }

    void windowUpdate(int stream, int increment) throws IOException {
        frame(FrameType.WINDOW_UPDATE, 0, stream, ByteBuffer.allocate(4).putInt(increment).array());
    }

    void settings(int... idValues) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(idValues.length * 3);
        for (int i = 0; i < idValues.length; i += 2) {
            b.putShort((short) idValues[i]).putInt(idValues[i + 1]);
        }
        frame(FrameType.SETTINGS, 0, 0, b.array());
    }

    /** The next frame, or null at EOF. */
    Frame read() throws IOException {
        byte[] h = new byte[9];
        try {
            in.readFully(h);
        } catch (EOFException e) {
            return null;
        }
        int len = ((h[0] & 0xFF) << 16) | ((h[1] & 0xFF) << 8) | (h[2] & 0xFF);
        byte[] p = new byte[len];
        in.readFully(p);
        Frame f = new Frame(h[3] & 0xFF, h[4] & 0xFF, ByteBuffer.wrap(h, 5, 4).getInt() & 0x7FFFFFFF, p);
        seen.add(f);
        return f;
    }

    /** Reads until a frame of {@code type} (on {@code stream}, or any stream when negative); null at EOF. */
    Frame await(int type, int stream) throws IOException {
        for (Frame f; (f = read()) != null; ) {
            if (f.type == type && (stream < 0 || f.stream == stream)) {
                return f;
            }
        }
        return null;
    }

    /** The GOAWAY error code the server sent before closing. */
    int awaitGoAway() throws IOException {
        Frame f = await(FrameType.GOAWAY, 0);
        if (f == null) {
            throw new AssertionError("connection closed without GOAWAY; saw " + describe());
        }
        return f.int32(4);
    }

    int awaitRst(int stream) throws IOException {
        Frame f = await(FrameType.RST_STREAM, stream);
        if (f == null) {
            throw new AssertionError("no RST_STREAM on stream " + stream + "; saw " + describe());
        }
        return f.int32(0);
    }

    /** True when the server closes the connection (EOF) within the socket timeout. */
    boolean awaitEof() throws IOException {
        try {
            while (read() != null) {
                // drain
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset by peer
        }
    }

    /** Reads the complete response of {@code stream}, answering WINDOW_UPDATE for what it reads. */
    Reply response(int stream) throws IOException, HpackException {
        Map<String, String> headers = new LinkedHashMap<>();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int status = 0;
        for (Frame f; (f = read()) != null; ) {
            if (f.stream != stream) {
                continue;
            }
            if (f.type == FrameType.HEADERS || f.type == FrameType.CONTINUATION) {
                decoder.decode(f.payload, 0, f.payload.length, (n, v, s) -> headers.put(n, v));
            } else if (f.type == FrameType.DATA) {
                body.write(f.payload);
                if (f.payload.length > 0) {
                    try {
                        windowUpdate(0, f.payload.length);
                        if ((f.flags & FrameType.FLAG_END_STREAM) == 0) {
                            windowUpdate(stream, f.payload.length);
                        }
                    } catch (IOException closing) {
                        // the server may close right after its last stream; the reply is still complete
                    }
                }
            } else if (f.type == FrameType.RST_STREAM) {
                throw new AssertionError("stream " + stream + " reset: " + ErrorCode.nameOf(f.int32(0)));
            }
            if (headers.containsKey(":status")) {
                status = Integer.parseInt(headers.get(":status"));
            }
            if ((f.type == FrameType.HEADERS || f.type == FrameType.DATA) && (f.flags & FrameType.FLAG_END_STREAM) != 0) {
                return new Reply(status, headers, body.toByteArray());
            }
        }
        throw new AssertionError("connection closed before stream " + stream + " completed; saw " + describe());
    }

    /**
     * Reads until {@code count} streams have ended, in whatever order they end, and returns each one's
     * {@code :status}, or -1 for a stream the server reset. Bodies are dropped (their window given back).
     */
    Map<Integer, Integer> statuses(int count) throws IOException, HpackException {
        Map<Integer, Integer> ended = new LinkedHashMap<>();
        Map<Integer, Integer> status = new java.util.HashMap<>();
        for (Frame f; ended.size() < count && (f = read()) != null; ) {
            if (f.type == FrameType.HEADERS) {
                int id = f.stream;
                decoder.decode(f.payload, 0, f.payload.length, (n, v, x) -> {
                    if (n.equals(":status")) {
                        status.put(id, Integer.parseInt(v));
                    }
                });
            } else if (f.type == FrameType.DATA && f.payload.length > 0) {
                windowUpdate(0, f.payload.length);
            } else if (f.type == FrameType.RST_STREAM) {
                ended.put(f.stream, -1);
                continue;
            }
            if ((f.type == FrameType.HEADERS || f.type == FrameType.DATA) && (f.flags & FrameType.FLAG_END_STREAM) != 0) {
                ended.put(f.stream, status.getOrDefault(f.stream, 0));
            }
        }
        return ended;
    }

    String describe() {
        StringBuilder sb = new StringBuilder();
        for (Frame f : seen) {
            sb.append(" [type=").append(f.type).append(" flags=").append(f.flags).append(" stream=").append(f.stream)
                    .append(" len=").append(f.payload.length).append(']');
        }
        return sb.toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
