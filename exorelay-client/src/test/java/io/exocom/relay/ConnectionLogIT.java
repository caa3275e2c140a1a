package io.exocom.relay;

import io.exocom.relay.testing.ExoComProcess;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the relay's log says about its connections: "connection N" counts registrations only, so failed attempts
 * while ExoCom is down do not inflate it (they show as "attempt M"); and the status follows.
 */
class ConnectionLogIT {
    private static final Pattern ONLINE = Pattern.compile("online \\(connection (\\d+), attempt (\\d+),");

    @Test
    void failedAttemptsAreNotCountedAsConnections() throws Exception {
        Logger logger = Logger.getLogger(ExoRelay.class.getName());
        Level before = logger.getLevel();
        List<String> lines = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                lines.add(new java.util.logging.SimpleFormatter().formatMessage(record));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.setLevel(Level.INFO);
        logger.addHandler(capture);
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        try (ExoComProcess exocom = ExoComProcess.start(Await.routes())) {
            exocom.kill();
            try (ExoRelay web = exocom.relay("web").build()) {
                web.onError(errors::add);
                assertEquals(ConnectionStatus.NEW, web.status());
                web.start();
                Await.until("the relay tried and failed", () -> !errors.isEmpty());
                assertEquals(ConnectionStatus.CONNECTING, web.status());
                exocom.restart();
                Await.until("online", web::isOnline);
                assertEquals(ConnectionStatus.REGISTERED, web.status());

                exocom.kill();
                Await.until("offline", () -> !web.isOnline());
                assertEquals(ConnectionStatus.RECONNECTING, web.status());
                exocom.restart();
                Await.until("online again", web::isOnline);

                List<int[]> online = lines.stream().map(ONLINE::matcher).filter(Matcher::find)
                        .map(m -> new int[]{Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))}).toList();
                assertEquals(2, online.size(), String.join("\n", lines));
                assertEquals(1, online.get(0)[0], "the first registration is connection 1: " + lines);
                assertTrue(online.get(0)[1] >= 2, "after at least one failed attempt: " + lines);
                assertEquals(2, online.get(1)[0], "the second registration is connection 2: " + lines);
                assertTrue(online.get(1)[1] > online.get(0)[1], "attempts keep counting: " + lines);
                web.close();
                assertEquals(ConnectionStatus.CLOSED, web.status());
            }
        } finally {
            logger.removeHandler(capture);
            logger.setLevel(before);
        }
    }
}
