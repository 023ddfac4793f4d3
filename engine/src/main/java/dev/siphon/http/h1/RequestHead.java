package dev.siphon.http.h1;

import dev.siphon.http.Headers;

/**
 * What {@link Http1HeadParser} found in one request head: the request line, the fields, and the
 * message framing decided by {@link BodyFraming}. Reused by its connection for each request
 * (the {@link Headers} object is new each time, since the request keeps it). Loop thread only.
 */
public final class RequestHead {
    public String method;
    /**
     * The field lines as received (the head without its request-line), owned by this request:
     * header values are read from it lazily.
     */
    public byte[] bytes;
    /** The request-target when it is in absolute-form, else null (then path and query spell it). */
    String absoluteTarget;
    /** The path of the target (origin-form, or taken from absolute-form), percent-encoded. */
    public String path;
    /** The query without '?', or null. */
    public String query;
    /** 10 for HTTP/1.0, 11 for HTTP/1.1. */
    public int version;
    public Headers headers;

    /** Content-Length, or -1 when absent. */
    public long contentLength;
    public boolean chunked;
    public boolean connectionClose;
    public boolean connectionKeepAlive;
    public boolean expectContinue;
    int hostCount;
    /** A Transfer-Encoding field was present. */
    boolean teSeen;
    /** A transfer coding other than chunked was listed. */
    boolean unsupportedCoding;

    /** Bytes of this head scanned without finding its end: where to resume when more arrive. */
    int scanned;

    /** The request target as sent. */
    public String target() {
        if (absoluteTarget != null) {
            return absoluteTarget;
        }
        return query == null ? path : path + "?" + query; // origin-form, or "*"
    }

    void reset() {
        method = null;
        bytes = null;
        path = null;
        query = null;
        absoluteTarget = null;
        version = 0;
        headers = null;
        contentLength = -1;
        chunked = false;
        connectionClose = false;
        connectionKeepAlive = false;
        expectContinue = false;
        hostCount = 0;
        teSeen = false;
        unsupportedCoding = false;
        scanned = 0;
    }

    /** RFC 9112 §9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only with "keep-alive". */
    public boolean persistent() {
        if (connectionClose) {
            return false;
        }
        return version >= 11 || connectionKeepAlive;
    }

    public boolean hasBody() {
        return chunked || contentLength > 0;
    }
}
