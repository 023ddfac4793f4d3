package dev.siphon.http.h2;

import static dev.siphon.http.h2.FrameType.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.siphon.http.SplitInput;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Fuzzes {@link FrameReader} (RFC 9113 §4, §6) on a stream of frames after the preface, arriving
 * in the pieces a {@link SplitInput} chooses; as on a connection, each read is appended to the
 * unconsumed rest, in an exact-length buffer, and frames are taken while
 * {@link FrameReader#frameLength} finds one complete. Option 0 lowers our SETTINGS_MAX_FRAME_SIZE
 * from 16384 to 100. Corpus: {@code FrameReaderFuzzTestInputs/read} (every frame type, padded and
 * prioritised, a request's HEADERS + CONTINUATION + DATA, malformed frames).
 *
 * <p>Invariants:
 * <ul>
 *   <li>only {@link ConnectionError} and {@link StreamError} are thrown; nothing is read after a
 *       connection error, reading goes on after a stream error;</li>
 *   <li>a complete frame is the 9-octet header plus its length, never over the limit; each frame
 *       makes exactly one handler call, of its type;</li>
 *   <li>the payload range handed on lies within the frame, with padding (RFC 9113 §6.1) and
 *       priority fields stripped exactly, flow control counting the whole payload; stream 0 only
 *       where allowed, SETTINGS a multiple of 6, PING 8 octets, RST_STREAM 4, PRIORITY 5, no
 *       stream depending on itself;</li>
 *   <li>whole and split give the same calls with the same payload octets, and the same error.</li>
 * </ul>
 */
class FrameReaderFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void read(byte[] input) {
        SplitInput in = SplitInput.of(input);
        int maxFrame = in.option(0) ? 100 : 16384;
        byte[] payload = in.payload();
        List<String> whole = run(payload, new int[] {payload.length}, maxFrame);
        List<String> split = run(payload, in.cuts(), maxFrame);
        assertEquals(whole, split, "whole and split");
    }

    private static List<String> run(byte[] payload, int[] cuts, int maxFrame) {
        FrameReader reader = new FrameReader(maxFrame);
        Recorder recorder = new Recorder();
        byte[] pending = new byte[0];
        int from = 0;
        try {
            for (int cut : cuts) {
                byte[] a = new byte[pending.length + cut - from];
                System.arraycopy(pending, 0, a, 0, pending.length);
                System.arraycopy(payload, from, a, pending.length, cut - from);
                from = cut;
                int p = 0;
                while (true) {
                    int n = reader.frameLength(a, p, a.length);
                    if (n == 0) {
                        break;
                    }
                    assertTrue(n >= HEADER_LENGTH && n <= a.length - p, "frame of " + n + " within the read");
                    assertTrue(n - HEADER_LENGTH <= maxFrame, "frame within SETTINGS_MAX_FRAME_SIZE");
                    recorder.frame(a, p, n);
                    int calls = 1;
                    try {
                        reader.read(a, p, recorder);
                    } catch (StreamError e) {
                        assertTrue(e.streamId() > 0, "a stream error names a stream");
                        recorder.events.add("stream error " + e.streamId() + " " + e.code());
                        calls = 0;
                    }
                    assertEquals(calls, recorder.calls, "one handler call per frame, none for a stream error");
                    p += n;
                }
                pending = Arrays.copyOfRange(a, p, a.length);
            }
            recorder.events.add("end with " + pending.length + " octets buffered");
        } catch (ConnectionError e) {
            recorder.events.add("connection error " + e.code());
        }
        return recorder.events;
    }

    /** Records each call with its payload octets, checking it against the frame it came from. */
    private static final class Recorder implements FrameHandler {
        final List<String> events = new ArrayList<>();
        private byte[] a;
        private int start;
        private int end;
        private int type;
        private int flags;
        private int stream;
        int calls;

        void frame(byte[] a, int p, int n) {
            this.a = a;
            this.start = p;
            this.end = p + n;
            this.type = a[p + 3] & 0xFF;
            this.flags = a[p + 4] & 0xFF;
            this.stream = FrameReader.int31(a, p + 5);
            this.calls = 0;
        }

        private void call(int expectedType, String event) {
            calls++;
            assertEquals(type, expectedType, "handler call for the frame's type");
            events.add(event);
        }

        /** Checks the payload range and strips what padding and priority take; returns its octets. */
        private String payload(int off, int len, boolean priority) {
            int first = start + HEADER_LENGTH;
            int pad = 0;
            if ((flags & FLAG_PADDED) != 0) {
                pad = a[first] & 0xFF;
                first++;
            }
            if (priority) {
                first += 5;
            }
            assertEquals(first, off, "payload starts after pad length and priority");
            assertEquals(end - pad, off + len, "payload ends before the padding");
            assertTrue(len >= 0, "payload length");
            return HexFormat.of().formatHex(a, off, off + len);
        }

        @Override
        public void onData(int streamId, boolean endStream, byte[] b, int off, int len, int flowLength) {
            assertTrue(streamId == stream && streamId != 0, "DATA stream");
            assertEquals(end - start - HEADER_LENGTH, flowLength, "flow control counts the whole payload");
            assertEquals((flags & FLAG_END_STREAM) != 0, endStream);
            call(DATA, "DATA " + streamId + " " + endStream + " " + payload(off, len, false));
        }

        @Override
        public void onHeaders(int streamId, boolean endStream, boolean endHeaders, boolean selfDependent, byte[] b,
                              int off, int len) {
            assertTrue(streamId == stream && streamId != 0, "HEADERS stream");
            boolean priority = (flags & FLAG_PRIORITY) != 0;
            String block = payload(off, len, priority);
            int dependency = priority ? FrameReader.int31(a, off - 5) : -1;
            assertEquals(priority && dependency == streamId, selfDependent, "self-dependency");
            assertEquals((flags & FLAG_END_HEADERS) != 0, endHeaders);
            call(HEADERS, "HEADERS " + streamId + " " + endStream + " " + endHeaders + " " + selfDependent + " " + block);
        }

        @Override
        public void onContinuation(int streamId, boolean endHeaders, byte[] b, int off, int len) {
            assertTrue(streamId == stream && streamId != 0, "CONTINUATION stream");
            assertEquals(start + HEADER_LENGTH, off);
            assertEquals(end, off + len, "CONTINUATION has no padding");
            call(CONTINUATION, "CONTINUATION " + streamId + " " + endHeaders + " " + HexFormat.of().formatHex(b, off, off + len));
        }

        @Override
        public void onPriority(int streamId) {
            assertTrue(streamId == stream && streamId != 0 && end - start == HEADER_LENGTH + 5, "PRIORITY");
            assertTrue(FrameReader.int31(a, start + HEADER_LENGTH) != streamId, "a stream depending on itself");
            call(PRIORITY, "PRIORITY " + streamId);
        }

        @Override
        public void onRstStream(int streamId, int errorCode) {
            assertTrue(streamId == stream && streamId != 0 && end - start == HEADER_LENGTH + 4, "RST_STREAM");
            call(RST_STREAM, "RST_STREAM " + streamId + " " + errorCode);
        }

        @Override
        public void onSettings(boolean ack, byte[] b, int off, int len) {
            assertTrue(stream == 0 && len % 6 == 0 && (!ack || len == 0), "SETTINGS");
            assertEquals(start + HEADER_LENGTH, off);
            assertEquals(end, off + len);
            call(SETTINGS, "SETTINGS " + ack + " " + HexFormat.of().formatHex(b, off, off + len));
        }

        @Override
        public void onPing(boolean ack, byte[] b, int off) {
            assertTrue(stream == 0 && end - start == HEADER_LENGTH + 8 && off == start + HEADER_LENGTH, "PING");
            call(PING, "PING " + ack + " " + HexFormat.of().formatHex(b, off, off + 8));
        }

        @Override
        public void onGoAway(int lastStreamId, int errorCode) {
            assertTrue(stream == 0 && end - start >= HEADER_LENGTH + 8 && lastStreamId >= 0, "GOAWAY");
            call(GOAWAY, "GOAWAY " + lastStreamId + " " + errorCode);
        }

        @Override
        public void onWindowUpdate(int streamId, int increment) {
            assertTrue(streamId == stream && end - start == HEADER_LENGTH + 4 && increment >= 0, "WINDOW_UPDATE");
            call(WINDOW_UPDATE, "WINDOW_UPDATE " + streamId + " " + increment);
        }

        @Override
        public void onUnknown(int frameType, int streamId) {
            assertTrue(frameType > CONTINUATION && streamId == stream, "unknown frame type " + frameType);
            call(frameType, "UNKNOWN " + frameType + " " + streamId);
        }
    }
}
