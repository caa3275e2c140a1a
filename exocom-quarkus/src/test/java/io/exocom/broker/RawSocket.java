package io.exocom.broker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client written out by hand (RFC 6455) for the tests that need what a well-behaved library will not
 * do: fragmented messages, invalid UTF-8, frames above the limits, not answering pings, not reading at all, extra
 * headers such as {@code Origin}. Reads happen on the test thread, so everything it sees is asserted there.
 */
final class RawSocket implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int TEXT = 1, BINARY = 2, CONTINUATION = 0, CLOSE = 8, PING = 9, PONG = 10;

    /** One frame as read from the broker. */
    record Received(int opcode, boolean fin, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        JsonNode json() throws IOException {
            return JSON.readTree(payload);
        }

        /** The close code of a close frame. */
        int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
        }

        String closeReason() {
            return payload.length > 2 ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "";
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final int status;
    private final String head;
    private final String body;

    private RawSocket(Socket socket, InputStream in, OutputStream out, int status, String head, String body) {
        this.socket = socket;
        this.in = in;
        this.out = out;
        this.status = status;
        this.head = head;
        this.body = body;
    }

    /** Opens a TCP connection and asks for the upgrade; {@link #status()} says what the broker answered. */
    static RawSocket open(URI ws, Map<String, String> headers) throws IOException {
        Socket socket = new Socket(ws.getHost(), ws.getPort());
        socket.setSoTimeout(10_000);
        InputStream in = new BufferedInputStream(socket.getInputStream());
        OutputStream out = socket.getOutputStream();
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        StringBuilder request = new StringBuilder("GET " + ws.getPath() + " HTTP/1.1\r\nHost: " + ws.getHost() + ":"
                + ws.getPort() + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
                + Base64.getEncoder().encodeToString(nonce) + "\r\nSec-WebSocket-Version: 13\r\n");
        headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
        out.write(request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
        out.flush();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("closed during the handshake: " + head);
            }
            head.append((char) b);
        }
        int status = Integer.parseInt(head.substring(9, 12));
        String body = "";
        if (status != 101) {
            int length = 0;
            for (String line : head.toString().split("\r\n")) {
                if (line.toLowerCase().startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).trim());
                }
            }
            body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
        }
        return new RawSocket(socket, in, out, status, head.toString(), body);
    }

    static RawSocket open(URI ws) throws IOException {
        return open(ws, Map.of());
    }

    int status() {
        return status;
    }

    String head() {
        return head;
    }

    String body() {
        return body;
    }

    /** Makes the socket's receive buffer small, so that a slow reader here backs the broker up soon. */
    void limitReceiveBuffer(int bytes) throws IOException {
        socket.setReceiveBufferSize(bytes);
    }

    void sendText(String text) throws IOException {
        send(TEXT, true, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends one frame; the payload is masked with a random key, as RFC 6455 requires of clients. */
    void send(int opcode, boolean fin, byte[] payload) throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
        frame.write((fin ? 0x80 : 0) | opcode);
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else if (payload.length < 65536) {
            frame.write(0x80 | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length);
        } else {
            frame.write(0x80 | 127);
            long length = payload.length;
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame.write((int) (length >>> shift));
            }
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        frame.write(mask);
        byte[] masked = new byte[payload.length];
        for (int i = 0; i < payload.length; i++) {
            masked[i] = (byte) (payload[i] ^ mask[i & 3]);
        }
        frame.write(masked);
        out.write(frame.toByteArray());
        out.flush();
    }

    /**
     * Starts a frame that says it carries {@code declaredLength} bytes and writes only the first {@code written}:
     * enough for the broker to judge it by its header, without a flood of bytes it would have to discard.
     */
    void sendStart(int opcode, long declaredLength, int written) throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream(written + 14);
        frame.write(0x80 | opcode);
        frame.write(0x80 | 127);
        for (int shift = 56; shift >= 0; shift -= 8) {
            frame.write((int) (declaredLength >>> shift));
        }
        frame.write(new byte[4]); // an all-zero mask: the payload goes as it is
        frame.write(new byte[written]);
        out.write(frame.toByteArray());
        out.flush();
    }

    /** The next frame from the broker, or null when none comes within {@code timeoutMillis} or the socket ended. */
    Received next(int timeoutMillis) throws IOException {
        socket.setSoTimeout(timeoutMillis);
        try {
            int first = in.read();
            if (first < 0) {
                return null;
            }
            int second = in.read();
            long length = second & 0x7F;
            if (length == 126) {
                length = (in.read() << 8) | in.read();
            } else if (length == 127) {
                length = 0;
                for (int i = 0; i < 8; i++) {
                    length = (length << 8) | in.read();
                }
            }
            byte[] payload = in.readNBytes((int) length);
            return new Received(first & 0x0F, (first & 0x80) != 0, payload);
        } catch (SocketTimeoutException quiet) {
            return null;
        }
    }

    /** The next text frame as JSON, skipping pings and pongs; fails the test when none comes. */
    JsonNode nextJson() throws IOException {
        while (true) {
            Received frame = next(10_000);
            if (frame == null) {
                throw new AssertionError("no frame arrived within 10 s");
            }
            if (frame.opcode() == TEXT) {
                return frame.json();
            }
            if (frame.opcode() == CLOSE) {
                throw new AssertionError("closed with " + frame.closeCode() + " " + frame.closeReason());
            }
        }
    }

    /** Reads until the broker's close frame and returns it; fails the test when the socket ends without one. */
    Received awaitClose(int timeoutMillis) throws IOException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline) {
            Received frame = next((int) Math.max(1, deadline - System.currentTimeMillis()));
            if (frame == null) {
                break;
            }
            if (frame.opcode() == CLOSE) {
                return frame;
            }
        }
        throw new AssertionError("no close frame within " + timeoutMillis + " ms");
    }

    /** Whether the broker ended the TCP connection (reading gives end of stream) within the time. */
    boolean endsWithin(int timeoutMillis) throws IOException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        try {
            while (System.currentTimeMillis() < deadline) {
                socket.setSoTimeout((int) Math.max(1, deadline - System.currentTimeMillis()));
                if (in.read() < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
