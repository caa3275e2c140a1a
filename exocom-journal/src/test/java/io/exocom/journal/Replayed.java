package io.exocom.journal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A record as replay handed it over, copied. */
record Replayed(long position, int type, byte[] payload) {

    static List<Replayed> all(Journal journal) {
        List<Replayed> records = new ArrayList<>();
        journal.replay((position, type, payload) -> {
            byte[] copy = new byte[payload.remaining()];
            payload.get(copy);
            records.add(new Replayed(position, type, copy));
        });
        return records;
    }

    static List<String> texts(Journal journal) {
        List<String> texts = new ArrayList<>();
        for (Replayed record : all(journal)) {
            texts.add(record.text());
        }
        return texts;
    }

    String text() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

}
