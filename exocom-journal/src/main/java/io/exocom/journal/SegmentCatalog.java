package io.exocom.journal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The segments the journal knows, for {@link Journal#segments()}. Only the writer thread (and recovery, before it
 * starts) changes it; any thread may read it.
 */
final class SegmentCatalog {

    /** One segment; its fields change only while it is the active one. */
    static final class Entry {
        final long id;
        final Path file;
        final boolean damaged;
        volatile long size;
        volatile long records;
        volatile long firstPosition;
        volatile long lastPosition;
        volatile boolean active;

        Entry(long id, Path file, long size, long records, long firstPosition, long lastPosition, boolean damaged) {
            this.id = id;
            this.file = file;
            this.size = size;
            this.records = records;
            this.firstPosition = firstPosition;
            this.lastPosition = lastPosition;
            this.damaged = damaged;
        }

        SegmentInfo info() {
            return new SegmentInfo(id, file, size, records, firstPosition, lastPosition, active, damaged);
        }
    }

    private final ConcurrentSkipListMap<Long, Entry> entries = new ConcurrentSkipListMap<>();

    void add(Entry entry) {
        entries.put(entry.id, entry);
    }

    Entry get(long id) {
        return entries.get(id);
    }

    void remove(long id) {
        entries.remove(id);
    }

    List<Long> ids() {
        return new ArrayList<>(entries.keySet());
    }

    List<SegmentInfo> infos() {
        List<SegmentInfo> infos = new ArrayList<>(entries.size());
        for (Entry entry : entries.values()) {
            infos.add(entry.info());
        }
        return List.copyOf(infos);
    }
}
