package io.exocom.relay;

import io.exocom.protocol.Frame;
import io.exocom.protocol.ProtocolException;

import java.nio.charset.StandardCharsets;

/**
 * Reads what ExoCom sends, on the event loop, and hands each frame to the one that acts on it: the connection
 * (registered, error), the unanswered sends (accepted, rejected), the waiting requests (a reply) or the
 * dispatcher (a command or event, whose handler then runs on a worker thread: the only hand-off of a delivery).
 */
final class Inbox implements Wire.Listener {
    private final FrameReader reader;
    private final Connection connection;
    private final PendingSends sends;
    private final PendingRequests requests;
    private final Dispatcher dispatcher;
    private final Listeners listeners;
    private final String who;

    Inbox(FrameReader reader, Connection connection, PendingSends sends, PendingRequests requests,
          Dispatcher dispatcher, Listeners listeners, String who) {
        this.reader = reader;
        this.connection = connection;
        this.sends = sends;
        this.requests = requests;
        this.dispatcher = dispatcher;
        this.listeners = listeners;
        this.who = who;
    }

    @Override
    public void onFrame(Wire wire, byte[] utf8) {
        FrameReader.Inbound inbound;
        try {
            inbound = reader.read(utf8);
        } catch (ProtocolException e) {
            listeners.error(new ExoRelayException(who + ": ExoCom sent a frame this relay cannot read ("
                    + e.getMessage() + "): " + abbreviate(utf8)));
            return;
        }
        if (inbound instanceof FrameReader.Delivery delivery) {
            deliver(wire, delivery.message());
            return;
        }
        Frame frame = ((FrameReader.Known) inbound).frame();
        if (frame instanceof Frame.Accepted accepted) {
            sends.accepted(accepted);
        } else if (frame instanceof Frame.Rejected rejected) {
            if (!sends.rejected(rejected)) {
                listeners.error(new ExoComRejectedException(rejected.code(), rejected.message(), rejected.id()));
            }
        } else if (frame instanceof Frame.Registered registered) {
            connection.onRegistered(wire, registered);
        } else if (frame instanceof Frame.Error error) {
            connection.onBrokerError(wire, error);
        }
    }

    @Override
    public void onClosed(Wire wire, String reason, int closeCode) {
        connection.onClosed(wire, reason, closeCode);
    }

    private void deliver(Wire wire, Message message) {
        if (message.isReply()) {
            if (dispatcher.wasHandled(message)) {
                dispatcher.ack(wire, message.id());
                return;
            }
            if (requests.offer(new Reply(message)) || !dispatcher.hasHandler(message.name())) {
                // A reply nobody waits for any more (its request timed out) and no handler wants is dropped.
                dispatcher.remember(message);
                dispatcher.ack(wire, message.id());
                return;
            }
        }
        dispatcher.deliver(wire, message);
    }

    private static String abbreviate(byte[] utf8) {
        String text = new String(utf8, 0, Math.min(utf8.length, 300), StandardCharsets.UTF_8);
        return utf8.length <= 300 ? text : text + "...";
    }
}
