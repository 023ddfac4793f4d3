package dev.siphon.http.h2.hpack;

import java.util.HexFormat;

/** Hex strings in test data; whitespace is ignored so RFC dumps can be pasted as they are. */
final class Hex {

    private Hex() {
    }

    static byte[] decode(String hex) {
        return HexFormat.of().parseHex(hex.replaceAll("\\s+", ""));
    }

    static String encode(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
