import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The client side of bench/idle-connections.sh: opens N keep-alive HTTP/1.1 connections to
 * host:port from one address, sends one GET on each and reads its whole response, then keeps
 * them all open and idle. Prints "ready N" once every response is in, then waits for a line on
 * standard input (or its end) and closes them all. One thread, one selector, no dependencies:
 * run as {@code java bench/idle/IdleClient.java HOST PORT N}.
 */
public final class IdleClient {
    private static final byte[] REQUEST =
            "GET /hello/idle HTTP/1.1\r\nHost: bench\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    /** Connections being opened at once (the server's listen backlog is 1024). */
    private static final int IN_FLIGHT = 256;

    private static final class Conn {
        final SocketChannel ch;
        final ByteBuffer out = ByteBuffer.wrap(REQUEST);
        final ByteBuffer in = ByteBuffer.allocate(512);
        boolean done;

        Conn(SocketChannel ch) {
            this.ch = ch;
        }

        /** True once a whole response (head and its content-length body) has been read. */
        boolean complete() {
            String s = new String(in.array(), 0, in.position(), StandardCharsets.ISO_8859_1);
            int end = s.indexOf("\r\n\r\n");
            if (end < 0) {
                return false;
            }
            if (!s.startsWith("HTTP/1.1 200")) {
                throw new IllegalStateException("unexpected response: " + s.lines().findFirst().orElse(""));
            }
            int cl = s.toLowerCase().indexOf("content-length:");
            int len = Integer.parseInt(s.substring(cl + 15, s.indexOf("\r\n", cl)).trim());
            return s.length() >= end + 4 + len;
        }
    }

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int n = Integer.parseInt(args[2]);
        InetSocketAddress to = new InetSocketAddress(host, port);
        List<Conn> all = new ArrayList<>(n);
        long t0 = System.nanoTime();
        try (Selector sel = Selector.open()) {
            int opened = 0;
            int finished = 0;
            int active = 0;
            while (finished < n) {
                while (opened < n && active < IN_FLIGHT) {
                    SocketChannel ch = SocketChannel.open();
                    ch.configureBlocking(false);
                    Conn c = new Conn(ch);
                    all.add(c);
                    if (ch.connect(to)) {
                        ch.register(sel, SelectionKey.OP_WRITE, c);
                    } else {
                        ch.register(sel, SelectionKey.OP_CONNECT, c);
                    }
                    opened++;
                    active++;
                }
                if (sel.select(10_000) == 0) {
                    throw new IOException("no progress for 10 s: " + finished + " of " + n + " answered");
                }
                for (SelectionKey k : sel.selectedKeys()) {
                    Conn c = (Conn) k.attachment();
                    if (k.isConnectable()) {
                        c.ch.finishConnect();
                        k.interestOps(SelectionKey.OP_WRITE);
                    } else if (k.isWritable()) {
                        c.ch.write(c.out);
                        if (!c.out.hasRemaining()) {
                            k.interestOps(SelectionKey.OP_READ);
                        }
                    } else if (k.isReadable()) {
                        if (c.ch.read(c.in) < 0) {
                            throw new IOException("server closed connection " + all.indexOf(c));
                        }
                        if (c.complete()) {
                            c.done = true;
                            k.interestOps(0);
                            finished++;
                            active--;
                        }
                    }
                }
                sel.selectedKeys().clear();
            }
            System.out.printf("ready %d (%.1f s)%n", n, (System.nanoTime() - t0) / 1e9);
            System.out.flush();
            System.in.read(); // until told to close
            for (Conn c : all) {
                c.ch.close();
            }
        }
    }
}
