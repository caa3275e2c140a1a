package io.exocom.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** The few lines of the NATS client protocol that the scale and start scenarios need, on a plain socket. */
final class NatsRaw {
    private NatsRaw() {
    }

    /**
     * Connects, subscribes to {@code subject} in queue group {@code queue} when given, and returns once the server
     * answered PING with PONG (so the subscription is in place).
     */
    static Socket connect(int port, String name, String subject, int timeoutMillis) throws IOException {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress("127.0.0.1", port), timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            String info = in.readLine();
            if (info == null || !info.startsWith("INFO")) {
                throw new IOException("no INFO from nats-server: " + info);
            }
            String hello = "CONNECT {\"verbose\":false,\"pedantic\":false,\"name\":\"" + name + "\"}\r\n"
                    + (subject == null ? "" : "SUB " + subject + " bench-scale 1\r\n") + "PING\r\n";
            socket.getOutputStream().write(hello.getBytes(StandardCharsets.US_ASCII));
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("PONG")) {
                    socket.setSoTimeout(0);
                    return socket;
                }
                if (line.startsWith("-ERR")) {
                    throw new IOException("nats-server refused: " + line);
                }
            }
            throw new IOException("nats-server closed the connection");
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }
}
