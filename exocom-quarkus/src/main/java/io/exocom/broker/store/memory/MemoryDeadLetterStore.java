package io.exocom.broker.store.memory;

import io.exocom.broker.store.DeadLetter;
import io.exocom.broker.store.DeadLetterStore;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Dead letters in memory, bounded in number and bytes, oldest first. Dead letters are rare, so one lock is plenty. */
public final class MemoryDeadLetterStore implements DeadLetterStore {
    private final int capacity;
    private final long maxBytes;
    private final LinkedHashMap<String, DeadLetter> letters = new LinkedHashMap<>();
    private long bytes;

    public MemoryDeadLetterStore(int capacity, long maxBytes) {
        this.capacity = capacity;
        this.maxBytes = maxBytes;
    }

    @Override
    public synchronized List<DeadLetter> add(DeadLetter deadLetter) {
        List<DeadLetter> evicted = List.of();
        long size = deadLetter.delivery().size();
        Iterator<Map.Entry<String, DeadLetter>> oldest = letters.entrySet().iterator();
        while (oldest.hasNext() && (letters.size() >= capacity || bytes + size > maxBytes)) {
            DeadLetter dropped = oldest.next().getValue();
            oldest.remove();
            bytes -= dropped.delivery().size();
            if (evicted.isEmpty()) {
                evicted = new ArrayList<>(1);
            }
            evicted.add(dropped);
        }
        letters.put(deadLetter.key(), deadLetter);
        bytes += size;
        return evicted;
    }

    @Override
    public synchronized Optional<DeadLetter> get(String key) {
        return Optional.ofNullable(letters.get(key));
    }

    @Override
    public synchronized Optional<DeadLetter> remove(String key) {
        DeadLetter removed = letters.remove(key);
        if (removed != null) {
            bytes -= removed.delivery().size();
        }
        return Optional.ofNullable(removed);
    }

    @Override
    public synchronized List<DeadLetter> list(String service, int limit) {
        List<DeadLetter> result = new ArrayList<>();
        for (DeadLetter letter : letters.values()) {
            if (result.size() >= limit) {
                break;
            }
            if (service == null || letter.delivery().service().equals(service)) {
                result.add(letter);
            }
        }
        return result;
    }

    @Override
    public synchronized int size() {
        return letters.size();
    }

    @Override
    public synchronized long bytes() {
        return bytes;
    }
}
