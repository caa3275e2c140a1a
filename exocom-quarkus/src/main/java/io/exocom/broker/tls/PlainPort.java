package io.exocom.broker.tls;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import org.jboss.logging.Logger;

import java.util.function.Consumer;

/**
 * With TLS on, the broker's port takes TLS only. While clients move to TLS, {@code EXOCOM_TLS_PLAIN_PORT} opens a
 * second port that serves the same WebSocket endpoint and HTTP API unencrypted, so that allowing plain
 * connections is an explicit choice with a port of its own (a NetworkPolicy can close it), never a fallback on the
 * TLS port. It carries the same limits as the main port.
 */
public final class PlainPort {
    private static final Logger LOG = Logger.getLogger("exocom");

    private HttpServer server;

    /** Opens the port; a port that cannot be opened stops the broker as a bad setting would. */
    public void open(Vertx vertx, Router router, String host, int port, Consumer<HttpServerOptions> limits) {
        HttpServerOptions options = new HttpServerOptions().setHost(host).setPort(port);
        limits.accept(options);
        server = vertx.createHttpServer(options).requestHandler(router);
        server.listen().onComplete(result -> {
            if (result.succeeded()) {
                LOG.warnf("TLS: plain connections are allowed on port %d (EXOCOM_TLS_PLAIN_PORT): messages and tokens "
                        + "sent there cross the network unencrypted", result.result().actualPort());
            } else {
                System.err.println("exocom: cannot start: EXOCOM_TLS_PLAIN_PORT is " + port + ", but that port cannot "
                        + "be opened on " + host + ": " + result.cause().getMessage());
                System.err.flush();
                Runtime.getRuntime().halt(io.exocom.broker.config.Settings.EXIT_CONFIGURATION);
            }
        });
    }

    /** The port it listens on (the one chosen when 0 was asked), or -1 before it listens. */
    public int actualPort() {
        return server == null ? -1 : server.actualPort();
    }

    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
