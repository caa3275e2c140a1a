package io.exocom.examples.todo.web;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Map;

/**
 * Where the web service listens, from the environment: {@code PORT} (default 3000) and {@code HOST_BIND} (default
 * 127.0.0.1, so that only this machine reaches it until told otherwise, e.g. {@code HOST_BIND=0.0.0.0} in a pod).
 */
record WebSettings(InetSocketAddress address) {
    static final int DEFAULT_PORT = 3000;
    static final String DEFAULT_BIND = "127.0.0.1";

    /** @throws IllegalArgumentException with one sentence naming the variable, its value and what is accepted */
    static WebSettings fromEnvironment(Map<String, String> env) {
        return new WebSettings(new InetSocketAddress(bindAddress(env.get("HOST_BIND")), port(env.get("PORT"))));
    }

    private static int port(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_PORT;
        }
        try {
            int port = Integer.parseInt(value.strip());
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // explained below
        }
        throw new IllegalArgumentException("PORT must be a port number from 0 to 65535 (0: any free port), not \""
                + value + "\"");
    }

    private static InetAddress bindAddress(String value) {
        String address = value == null || value.isBlank() ? DEFAULT_BIND : value.strip();
        try {
            return InetAddress.getByName(address);
        } catch (UnknownHostException | SecurityException e) {
            throw new IllegalArgumentException("HOST_BIND must be an address of this machine to listen on, such as "
                    + "127.0.0.1 (this machine only) or 0.0.0.0 (every network interface), not \"" + value + "\"");
        }
    }

    /** The startup line's description of an address the server listens on. */
    static String describe(InetSocketAddress listening) {
        InetAddress address = listening.getAddress();
        String host = address.getHostAddress();
        String url = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + listening.getPort();
        if (address.isLoopbackAddress()) {
            return url + " (this machine only; HOST_BIND=0.0.0.0 lets other machines in)";
        }
        if (address.isAnyLocalAddress()) {
            return url + " (every network interface: other machines can reach it)";
        }
        return url;
    }
}
