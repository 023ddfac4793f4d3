/**
 * The byte-level HTTP codec rules that the server and the outbound client share and that know
 * neither role: the field syntax of RFC 9110 ({@link dev.siphon.http.codec.FieldSyntax}) and the
 * role-neutral error a shared decoder throws ({@link dev.siphon.http.codec.CodecException}),
 * which the server maps to the status it answers and the client to the exception it fails with.
 *
 * <p>This package depends on nothing else in the engine, so the client can use it without the
 * server's classes; it is where the shared codec layer grows (the chunked decoder and the body
 * buffer are its next candidates). Everything here is stateless or confined to its caller's
 * thread.
 */
package dev.siphon.http.codec;
