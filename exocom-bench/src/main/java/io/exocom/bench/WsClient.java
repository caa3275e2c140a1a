package io.exocom.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * A deliberately lean WebSocket client (RFC 6455, text frames only) on a blocking socket, so that the raw-protocol
 * figures measure the broker rather than a client library. Frames are written with an all-zero masking key (legal:
 * the mask bit is set, XOR with zero costs nothing). Frames written by the reader thread (acks, replies) are held
 * until it has handled everything already read, then leave in one write, as a client built on an event loop
 * would do; frames from any other thread leave at once.
 */
final class WsClient implements AutoCloseable {
    private final Socket socket;
    private final ReadBuffer in;
    private final OutputStream out;
    private final ByteArrayOutputStream held = new ByteArrayOutputStream(64 * 1024);
    private volatile boolean closed;
    private volatile Thread reader;

    private WsClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new ReadBuffer(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects and upgrades to a WebSocket at {@code ws://127.0.0.1:port/path}. */
    static WsClient connect(int port, String path, int timeoutMillis) throws IOException {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress("127.0.0.1", port), timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            WsClient client = new WsClient(socket);
            client.handshake(port, path);
            socket.setSoTimeout(0);
            return client;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private void handshake(int port, String path) throws IOException {
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        String request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce)
                + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed during the WebSocket handshake");
            }
            head.append((char) b);
            if (head.length() > 8192) {
                throw new IOException("WebSocket handshake answer too long");
            }
        }
        if (!head.toString().startsWith("HTTP/1.1 101")) {
            throw new IOException("WebSocket handshake refused: " + head.toString().lines().findFirst().orElse(""));
        }
    }

    /** One masked text frame, ready to be written (alone or concatenated with others). */
    static byte[] frame(String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        int length = payload.length;
        int header = length < 126 ? 2 : length < 65536 ? 4 : 10;
        byte[] frame = new byte[header + 4 + length];
        frame[0] = (byte) 0x81;
        if (length < 126) {
            frame[1] = (byte) (0x80 | length);
        } else if (length < 65536) {
            frame[1] = (byte) (0x80 | 126);
            frame[2] = (byte) (length >>> 8);
            frame[3] = (byte) length;
        } else {
            frame[1] = (byte) (0x80 | 127);
            for (int i = 0; i < 8; i++) {
                frame[2 + i] = (byte) (((long) length) >>> (56 - 8 * i));
            }
        }
        // masking key stays 0,0,0,0: the payload goes out as is
        System.arraycopy(payload, 0, frame, header + 4, length);
        return frame;
    }

    static byte[] concat(byte[] first, byte[] second) {
        byte[] both = new byte[first.length + second.length];
        System.arraycopy(first, 0, both, 0, first.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    void sendText(String text) throws IOException {
        write(frame(text));
    }

    /** Writes prepared frames in one go (the reader thread's after its batch, see above); safe from any thread. */
    synchronized void write(byte[] frames) throws IOException {
        if (Thread.currentThread() == reader) {
            held.write(frames);
            return;
        }
        writeNow(frames);
    }

    private synchronized void writeNow(byte[] frames) throws IOException {
        writeHeld();
        out.write(frames);
    }

    private synchronized void writeHeld() throws IOException {
        if (held.size() > 0) {
            held.writeTo(out);
            held.reset();
        }
    }

    /** An input buffer that tells how much it still holds, so the reader knows when a batch ends. */
    private static final class ReadBuffer extends BufferedInputStream {
        ReadBuffer(InputStream in) {
            super(in, 64 * 1024);
        }

        int buffered() {
            return count - pos;
        }
    }

    /** Reads the next text message on the calling thread; null when the connection ended. */
    String readText() throws IOException {
        ByteArrayOutputStream fragments = null;
        while (true) {
            int b0 = in.read();
            if (b0 < 0) {
                return null;
            }
            int b1 = in.read();
            if (b1 < 0) {
                return null;
            }
            int opcode = b0 & 0x0F;
            boolean fin = (b0 & 0x80) != 0;
            long length = b1 & 0x7F;
            if (length == 126) {
                length = (readByte() << 8) | readByte();
            } else if (length == 127) {
                length = 0;
                for (int i = 0; i < 8; i++) {
                    length = (length << 8) | readByte();
                }
            }
            byte[] mask = null;
            if ((b1 & 0x80) != 0) {
                mask = new byte[4];
                readFully(mask);
            }
            byte[] payload = new byte[(int) length];
            readFully(payload);
            if (mask != null) {
                for (int i = 0; i < payload.length; i++) {
                    payload[i] ^= mask[i & 3];
                }
            }
            switch (opcode) {
                case 0x8 -> {
                    return null;
                }
                case 0x9 -> {
                    writeNow(control(0xA, payload)); // a pong is not held: nothing may follow
                    continue;
                }
                case 0xA -> {
                    continue;
                }
                default -> {
                }
            }
            if (fin && fragments == null) {
                return new String(payload, StandardCharsets.UTF_8);
            }
            if (fragments == null) {
                fragments = new ByteArrayOutputStream();
            }
            fragments.write(payload);
            if (fin) {
                return fragments.toString(StandardCharsets.UTF_8);
            }
        }
    }

    private static byte[] control(int opcode, byte[] payload) {
        byte[] frame = new byte[6 + payload.length];
        frame[0] = (byte) (0x80 | opcode);
        frame[1] = (byte) (0x80 | payload.length);
        System.arraycopy(payload, 0, frame, 6, payload.length);
        return frame;
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException();
        }
        return b;
    }

    private void readFully(byte[] target) throws IOException {
        int done = 0;
        while (done < target.length) {
            int n = in.read(target, done, target.length - done);
            if (n < 0) {
                throw new EOFException();
            }
            done += n;
        }
    }

    /** Starts a daemon thread that hands every text message to {@code onText} until the connection ends. */
    void startReader(String name, Consumer<String> onText) {
        reader = new Thread(() -> {
            try {
                String text;
                while ((text = readText()) != null) {
                    onText.accept(text);
                    if (in.buffered() == 0) {
                        writeHeld();
                    }
                }
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("bench: " + name + ": connection failed: " + e);
                }
            }
        }, name);
        reader.setDaemon(true);
        reader.start();
    }

    @Override
    public void close() {
        closed = true;
        try {
            synchronized (this) {
                out.write(control(0x8, new byte[]{0x03, (byte) 0xE8}));
            }
        } catch (IOException ignored) {
            // already gone
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
