package io.exocom.broker.store.journal;

import io.exocom.broker.core.AcceptedMessage;
import io.exocom.broker.core.Delivery;
import io.exocom.broker.store.DeadLetter;

import java.util.List;
import java.util.Map;

/**
 * The {@link StoreRecord#MESSAGE} record: the message's fields, its copies with their state (attempts, the id each
 * was delivered under, dead-letter details), and the stamped envelope as the bytes every delivery carries.
 */
final class Codec {
    private static final int REPLY = 1;
    private static final int FINAL = 2;

    private Codec() {
    }

    /** @param dead the copies that are dead letters, by service */
    static byte[] message(AcceptedMessage message, List<Delivery> copies, Map<String, DeadLetter> dead) {
        byte[] envelope = message.envelope();
        RecordBytes.Writer out = new RecordBytes.Writer(envelope.length + 160 + 48 * copies.size());
        out.putLong(message.sequence()).putLong(message.timestamp())
                .putByte((message.isReply() ? REPLY : 0) | (message.isFinal() ? FINAL : 0))
                .putString(message.sender()).putString(message.id()).putString(message.name())
                .putString(message.originId()).putString(message.responseTo()).putString(message.repliedKey())
                .putAsker(message.asker())
                .putInt(copies.size());
        for (Delivery copy : copies) {
            out.putString(copy.service()).putAsker(copy.replyTo()).putInt(copy.attempts());
            out.putString(copy.isReply() ? null : copy.deliveredId());
            DeadLetter letter = dead.get(copy.service());
            if (letter == null) {
                out.putByte(0);
            } else {
                out.putByte(1).putString(letter.key()).putString(letter.reason()).putLong(letter.diedAtMillis());
            }
        }
        return out.putBytes(envelope).toBytes();
    }

    static boolean isReply(int flags) {
        return (flags & REPLY) != 0;
    }

    static boolean isFinal(int flags) {
        return (flags & FINAL) != 0;
    }
}
