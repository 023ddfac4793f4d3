package dev.siphon.http.h2;

/** HTTP/2 error codes (RFC 9113 §7), carried by RST_STREAM and GOAWAY. Immutable. */
public enum ErrorCode {
    NO_ERROR(0x0),
    PROTOCOL_ERROR(0x1),
    INTERNAL_ERROR(0x2),
    FLOW_CONTROL_ERROR(0x3),
    SETTINGS_TIMEOUT(0x4),
    STREAM_CLOSED(0x5),
    FRAME_SIZE_ERROR(0x6),
    REFUSED_STREAM(0x7),
    CANCEL(0x8),
    COMPRESSION_ERROR(0x9),
    CONNECT_ERROR(0xa),
    ENHANCE_YOUR_CALM(0xb),
    INADEQUATE_SECURITY(0xc),
    HTTP_1_1_REQUIRED(0xd);

    private final int code;

    ErrorCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The name of a code received from the peer; RFC 9113 §7: unknown codes are not special. */
    public static String nameOf(int code) {
        for (ErrorCode c : values()) {
            if (c.code == code) {
                return c.name();
            }
        }
        return "0x" + Integer.toHexString(code);
    }
}
