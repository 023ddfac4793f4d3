package dev.siphon.http.h2;

import dev.siphon.http.config.Http2Settings;

/** Frame types and flags (RFC 9113 §6). Constants only. */
public final class FrameType {
    public static final int DATA = 0x0;
    public static final int HEADERS = 0x1;
    public static final int PRIORITY = 0x2;
    public static final int RST_STREAM = 0x3;
    public static final int SETTINGS = 0x4;
    public static final int PUSH_PROMISE = 0x5;
    public static final int PING = 0x6;
    public static final int GOAWAY = 0x7;
    public static final int WINDOW_UPDATE = 0x8;
    public static final int CONTINUATION = 0x9;

    public static final int FLAG_END_STREAM = 0x1;
    public static final int FLAG_ACK = 0x1;
    public static final int FLAG_END_HEADERS = 0x4;
    public static final int FLAG_PADDED = 0x8;
    public static final int FLAG_PRIORITY = 0x20;

    public static final int SETTINGS_HEADER_TABLE_SIZE = 0x1;
    public static final int SETTINGS_ENABLE_PUSH = 0x2;
    public static final int SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;
    public static final int SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
    public static final int SETTINGS_MAX_FRAME_SIZE = 0x5;
    public static final int SETTINGS_MAX_HEADER_LIST_SIZE = 0x6;

    /** The client connection preface (RFC 9113 §3.4); the client sends it with {@link FrameWriter#preface}. */
    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /** Octets of the client connection preface. */
    public static final int PREFACE_LENGTH = 24;

    /** How many of {@code a[from, from + n)} ({@code n <= PREFACE_LENGTH}) match the preface's first octets. */
    public static int prefaceMatch(byte[] a, int from, int n) {
        int i = 0;
        while (i < n && a[from + i] == PREFACE[i]) {
            i++;
        }
        return i;
    }

    /** The 9-octet frame header (RFC 9113 §4.1). */
    public static final int HEADER_LENGTH = Http2Settings.FRAME_HEADER_LENGTH;

    private FrameType() {}
}
