package io.exocom.broker.store.memory;

import io.exocom.broker.store.DeadLetter;
import io.exocom.broker.store.DeadLetterStore;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Dead letters in memory, bounded, oldest first. Dead letters are rare, so one lock is plenty. */
final class MemoryDeadLetterStore implements DeadLetterStore {
    private final int capacity;
    private final LinkedHashMap<String, DeadLetter> letters = new LinkedHashMap<>();

    MemoryDeadLetterStore(int capacity) {
        this.capacity = capacity;
    }

    @Override
    public synchronized Optional<DeadLetter> add(DeadLetter deadLetter) {
        DeadLetter evicted = null;
        if (letters.size() >= capacity) {
            Iterator<Map.Entry<String, DeadLetter>> oldest = letters.entrySet().iterator();
            evicted = oldest.next().getValue();
            oldest.remove();
        }
        letters.put(deadLetter.key(), deadLetter);
        return Optional.ofNullable(evicted);
    }

    @Override
    public synchronized Optional<DeadLetter> get(String key) {
        return Optional.ofNullable(letters.get(key));
    }

    @Override
    public synchronized Optional<DeadLetter> remove(String key) {
        return Optional.ofNullable(letters.remove(key));
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
}
