package io.exocom.broker.wire;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte buffer that writes JSON as UTF-8: the broker's frames are built here directly as the bytes that
 * go on the wire, with no {@code String} and no generator in between. Strings are escaped as RFC 8259 requires;
 * raw JSON (a payload as it arrived) is copied in verbatim. Not thread-safe: one per frame being built.
 */
public final class JsonBytes {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private byte[] bytes;
    private int length;

    public JsonBytes(int capacity) {
        bytes = new byte[Math.max(16, capacity)];
    }

    public JsonBytes ascii(String text) {
        int n = text.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            bytes[length++] = (byte) text.charAt(i);
        }
        return this;
    }

    public JsonBytes raw(byte[] source) {
        return raw(source, 0, source.length);
    }

    public JsonBytes raw(byte[] source, int offset, int count) {
        ensure(count);
        System.arraycopy(source, offset, bytes, length, count);
        length += count;
        return this;
    }

    public JsonBytes number(long value) {
        return ascii(Long.toString(value));
    }

    public JsonBytes bool(boolean value) {
        return ascii(value ? "true" : "false");
    }

    /** A JSON string, quoted and escaped; {@code null} is written as JSON null. */
    public JsonBytes string(String value) {
        if (value == null) {
            return ascii("null");
        }
        int n = value.length();
        ensure(n + 2);
        bytes[length++] = '"';
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
                ensure(1);
                bytes[length++] = (byte) c;
            } else if (c < 0x80) {
                escapeAscii(c);
            } else {
                int end = i + 1;
                while (end < n && value.charAt(end) >= 0x80) {
                    end++;
                }
                byte[] encoded = value.substring(i, end).getBytes(StandardCharsets.UTF_8);
                raw(encoded, 0, encoded.length);
                i = end - 1;
            }
        }
        ensure(1);
        bytes[length++] = '"';
        return this;
    }

    private void escapeAscii(char c) {
        ensure(6);
        bytes[length++] = '\\';
        switch (c) {
            case '"' -> bytes[length++] = '"';
            case '\\' -> bytes[length++] = '\\';
            case '\n' -> bytes[length++] = 'n';
            case '\r' -> bytes[length++] = 'r';
            case '\t' -> bytes[length++] = 't';
            case '\b' -> bytes[length++] = 'b';
            case '\f' -> bytes[length++] = 'f';
            default -> {
                bytes[length++] = 'u';
                bytes[length++] = '0';
                bytes[length++] = '0';
                bytes[length++] = HEX[c >> 4];
                bytes[length++] = HEX[c & 0xF];
            }
        }
    }

    /** {@code "name":} */
    public JsonBytes field(String name) {
        string(name);
        ensure(1);
        bytes[length++] = ':';
        return this;
    }

    public JsonBytes comma() {
        ensure(1);
        bytes[length++] = ',';
        return this;
    }

    public JsonBytes put(char structural) {
        ensure(1);
        bytes[length++] = (byte) structural;
        return this;
    }

    public int length() {
        return length;
    }

    /** The bytes written, in an array of exactly that size. */
    public byte[] toBytes() {
        return length == bytes.length ? bytes : Arrays.copyOf(bytes, length);
    }

    private void ensure(int more) {
        if (length + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
        }
    }
}
