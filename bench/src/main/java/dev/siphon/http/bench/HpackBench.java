package dev.siphon.http.bench;

import dev.siphon.http.h2.hpack.HpackDecoder;
import dev.siphon.http.h2.hpack.HpackEncoder;
import dev.siphon.http.h2.hpack.HpackException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * HPACK (RFC 7541) on the blocks an HTTP/2 server sees most: a browser's request header block of
 * 10 fields, decoded with a warm dynamic table (the connection's earlier requests indexed its
 * fields, so the block is mostly one-octet references), the same block on a fresh connection
 * (literals, Huffman, table inserts), and the encoding of a typical small response.
 * Target (issue 4): warm decode under 400 ns.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1) // 3 left some forks still compiling on 2-core machines
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = "-XX:+UseParallelGC") // the GC the servers and the launcher run with
public class HpackBench {
    /** A browser's GET: the four pseudo-header fields and six regular ones. */
    static final String[] REQUEST = {
        ":method", "GET",
        ":scheme", "https",
        ":authority", "shop.example.com",
        ":path", "/users/12345/orders?page=2&sort=desc",
        "user-agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        "accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "accept-language", "en-US,en;q=0.5",
        "accept-encoding", "gzip, deflate, br, zstd",
        "referer", "https://shop.example.com/users/12345",
        "cookie", "session=4f2a9c1e7b3d4a8f9e2c1b0a7d6e5f4c; theme=dark",
    };

    static final String DATE = "Sat, 21 Nov 2026 21:58:00 GMT";

    /** The same request sent again on the connection: every field indexed by now. */
    byte[] warmBlock;
    /** The request as the first on a connection. */
    byte[] coldBlock;
    HpackDecoder warmDecoder;
    final FieldCount sink = new FieldCount();

    HpackEncoder responseEncoder;
    ByteBuffer responseOut;

    /** Counts fields and keeps the last one, so nothing decoded is dead code. */
    static final class FieldCount implements HpackDecoder.Sink {
        int fields;
        int octets;

        @Override
        public void header(String name, String value, boolean sensitive) {
            fields++;
            octets += name.length() + value.length();
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws HpackException {
        HpackEncoder clientEncoder = new HpackEncoder(HpackDecoder.DEFAULT_MAX_TABLE_SIZE);
        coldBlock = encodeRequest(clientEncoder);
        warmBlock = encodeRequest(clientEncoder);
        warmDecoder = new HpackDecoder(HpackDecoder.DEFAULT_MAX_TABLE_SIZE, HpackDecoder.DEFAULT_MAX_HEADER_LIST_SIZE);
        check(decodeAll(warmDecoder, coldBlock), "cold block");
        int tableSize = warmDecoder.dynamicTableSize();
        check(decodeAll(warmDecoder, warmBlock), "warm block");
        check(decodeAll(warmDecoder, warmBlock), "warm block, again");
        if (warmDecoder.dynamicTableSize() != tableSize) {
            throw new IllegalStateException("the warm block changes the dynamic table: not a steady state");
        }
        if (warmBlock.length > 24) {
            throw new IllegalStateException("the warm block is not mostly indexed: " + warmBlock.length + " octets");
        }

        responseEncoder = new HpackEncoder(HpackDecoder.DEFAULT_MAX_TABLE_SIZE);
        responseOut = ByteBuffer.allocate(512);
        HpackDecoder client = new HpackDecoder(HpackDecoder.DEFAULT_MAX_TABLE_SIZE, HpackDecoder.DEFAULT_MAX_HEADER_LIST_SIZE);
        for (int i = 0; i < 2; i++) {
            encodeResponse();
            List<String> got = new ArrayList<>();
            client.decode(responseOut.flip(), (n, v, s) -> got.add(n + ": " + v));
            List<String> want = List.of(":status: 200", "content-type: text/plain; charset=utf-8",
                    "content-length: 11", "date: " + DATE);
            if (!got.equals(want)) {
                throw new IllegalStateException("response block decodes to " + got);
            }
        }
    }

    private static byte[] encodeRequest(HpackEncoder enc) {
        ByteBuffer b = ByteBuffer.allocate(1024);
        enc.beginBlock(b);
        for (int i = 0; i < REQUEST.length; i += 2) {
            enc.encode(REQUEST[i], REQUEST[i + 1], b);
        }
        byte[] out = new byte[b.position()];
        b.flip().get(out);
        return out;
    }

    private static List<String> decodeAll(HpackDecoder d, byte[] block) throws HpackException {
        List<String> got = new ArrayList<>();
        d.decode(block, 0, block.length, (n, v, s) -> got.add(n));
        got.add(0, String.valueOf(got.size()));
        return got;
    }

    private static void check(List<String> got, String what) {
        List<String> want = new ArrayList<>();
        for (int i = 0; i < REQUEST.length; i += 2) {
            want.add(REQUEST[i]);
        }
        want.add(0, String.valueOf(REQUEST.length / 2));
        if (!got.equals(want)) {
            throw new IllegalStateException(what + " decodes to " + got);
        }
    }

    private void encodeResponse() {
        ByteBuffer b = responseOut.clear();
        responseEncoder.beginBlock(b);
        responseEncoder.encodeStatus(200, b);
        responseEncoder.encode("content-type", "text/plain; charset=utf-8", b);
        responseEncoder.encode("content-length", "11", b);
        responseEncoder.encode("date", DATE, b);
    }

    /** A 10-field request block on a connection whose table already holds its fields. */
    @Benchmark
    public int decodeRequestWarmTable() throws HpackException {
        sink.fields = 0;
        warmDecoder.decode(warmBlock, 0, warmBlock.length, sink);
        return sink.fields + sink.octets;
    }

    /** The same request as the first on a connection: a new decoder, literals, Huffman, inserts. */
    @Benchmark
    public int decodeRequestColdTable() throws HpackException {
        HpackDecoder d = new HpackDecoder(HpackDecoder.DEFAULT_MAX_TABLE_SIZE, HpackDecoder.DEFAULT_MAX_HEADER_LIST_SIZE);
        sink.fields = 0;
        d.decode(coldBlock, 0, coldBlock.length, sink);
        return sink.fields + sink.octets;
    }

    /** {@code :status 200}, content-type, content-length and date, with the connection's encoder warm. */
    @Benchmark
    public void encodeResponse(Blackhole bh) {
        encodeResponse();
        bh.consume(responseOut.position());
    }
}
