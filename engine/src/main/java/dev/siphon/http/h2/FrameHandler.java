package dev.siphon.http.h2;


/**
 * Receives frames parsed by {@link FrameReader}, one call per frame, with the frame's syntax
 * already checked (lengths, padding, stream id 0 where required). Payload ranges point into the
 * connection's read buffer and are valid only during the call. Loop thread. Public with
 * {@link FrameReader}, for the frame-parsing benchmark.
 */
public interface FrameHandler {
    /**
     * @param flowLength the whole payload length, padding included: what flow control counts
     *     (RFC 9113 §6.1)
     */
    void onData(int streamId, boolean endStream, byte[] a, int off, int len, int flowLength)
            throws StreamError, ConnectionError;

    /**
     * A HEADERS frame; priority fields and padding are already stripped. {@code selfDependent}:
     * its priority names the stream itself, a stream error (RFC 9113 §5.3.1) that the receiver
     * raises only after decoding the header block, so that its HPACK state stays in step.
     */
    void onHeaders(int streamId, boolean endStream, boolean endHeaders, boolean selfDependent, byte[] a, int off,
                   int len) throws StreamError, ConnectionError;

    void onContinuation(int streamId, boolean endHeaders, byte[] a, int off, int len)
            throws StreamError, ConnectionError;

    void onPriority(int streamId) throws StreamError, ConnectionError;

    void onRstStream(int streamId, int errorCode) throws StreamError, ConnectionError;

    /** SETTINGS; {@code len} is a multiple of 6 (RFC 9113 §6.5). */
    void onSettings(boolean ack, byte[] a, int off, int len) throws StreamError, ConnectionError;

    /** PING; the 8 opaque octets start at {@code off}. */
    void onPing(boolean ack, byte[] a, int off) throws StreamError, ConnectionError;

    void onGoAway(int lastStreamId, int errorCode) throws StreamError, ConnectionError;

    void onWindowUpdate(int streamId, int increment) throws StreamError, ConnectionError;

    /** A frame of a type this endpoint does not know (RFC 9113 §4.1: ignored, unless mid header block). */
    void onUnknown(int type, int streamId) throws StreamError, ConnectionError;
}
