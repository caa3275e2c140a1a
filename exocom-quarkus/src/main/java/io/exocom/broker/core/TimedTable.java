package io.exocom.broker.core;

import java.util.Arrays;

/**
 * A compact table of {@link Key128} keys kept in the order they were put, each with a time and a number or a
 * reference: the memory behind de-duplication (a million ids) and reply correlations (a million open
 * commands), which the broker must bound and expire cheaply. Slots live in a ring, oldest first, so that expiring
 * walks only what expires; an open-addressing index (linear probing, deletion by shifting back, so no tombstones
 * in the index) finds a key. A key put again, or removed, leaves a dead slot in the ring, reclaimed when the
 * ring's oldest end reaches it or when the ring is compacted. Not thread-safe: callers stripe and lock.
 * <p>
 * A table keeps, beside each key and time, either a number (de-duplication: the first timestamp) or a reference
 * (correlations: the asker), never both, so that neither pays for the other's field.
 * <p>
 * The layout is for the memory cache, since a full table is far larger than the processor's caches and every
 * message looks up keys at random (in a CPU profile of fan-out these lookups were a sixth of the broker's time,
 * mostly waiting for memory): a slot's key, time and number sit side by side in one array (in one cache line,
 * mostly), and each index entry carries the low half of its key's fingerprint beside the slot, so that probing
 * past other keys, and shifting entries back on removal, reads the index alone. About 45-50 bytes per entry, the index
 * a third of them (against some 200 for a map of strings).
 */
final class TimedTable {
    private static final long DEAD = Long.MIN_VALUE;
    private static final int INITIAL = 64;
    private static final int HI = 0, LO = 1, TIME = 2, NUMBER = 3;

    private final int maxEntries;
    /** Longs per slot in {@link #slots}: key high, key low, time, and the number when the table keeps numbers. */
    private final int stride;
    private final boolean keepsReferences;
    private long[] slots;
    /** Null in a table of numbers. */
    private Object[] reference;
    private int capacity;
    private int head;       // oldest slot in the ring
    private int used;       // slots from head, live or dead
    private int live;
    /** (low 32 bits of the key's low half) << 32 | (slot + 1); 0 = empty. The high half is also the home. */
    private long[] index;
    private long evicted;

    private TimedTable(int maxEntries, boolean keepsReferences) {
        this.maxEntries = Math.max(1, maxEntries);
        this.keepsReferences = keepsReferences;
        this.stride = keepsReferences ? 3 : 4;
        allocate(Math.min(INITIAL, this.maxEntries));
    }

    /** A table whose entries carry a number, of at most {@code maxEntries}: more evict the oldest. */
    static TimedTable ofNumbers(int maxEntries) {
        return new TimedTable(maxEntries, false);
    }

    /** A table whose entries carry a reference, of at most {@code maxEntries}: more evict the oldest. */
    static TimedTable ofReferences(int maxEntries) {
        return new TimedTable(maxEntries, true);
    }

    private void allocate(int capacity) {
        this.capacity = capacity;
        slots = new long[capacity * stride];
        reference = keepsReferences ? new Object[capacity] : null;
        index = new long[Integer.highestOneBit(Math.max(4, capacity * 2 - 1)) << 1];
        head = 0;
        used = 0;
        live = 0;
    }

    int size() {
        return live;
    }

    /** Live entries pushed out by newer ones because the table was full, since it was made. */
    long evicted() {
        return evicted;
    }

    /** The slot of {@code key}, or -1. */
    int find(Key128 key) {
        int mask = index.length - 1;
        int hash = (int) key.lo();
        for (int position = hash & mask; ; position = (position + 1) & mask) {
            long entry = index[position];
            if (entry == 0) {
                return -1;
            }
            if ((int) (entry >>> 32) == hash) {
                int slot = (int) entry - 1;
                if (slots[slot * stride + HI] == key.hi() && slots[slot * stride + LO] == key.lo()) {
                    return slot;
                }
            }
        }
    }

    long time(int slot) {
        return slots[slot * stride + TIME];
    }

    /** The number of a slot; 0 in a table of references. */
    long number(int slot) {
        return keepsReferences ? 0 : slots[slot * stride + NUMBER];
    }

    /** The reference of a slot; null in a table of numbers. */
    Object reference(int slot) {
        return keepsReferences ? reference[slot] : null;
    }

    /** Puts {@code key} as the newest entry, replacing an older entry of the same key. */
    void put(Key128 key, long when, long value, Object ref) {
        put(find(key), key, when, value, ref);
    }

    /** The same, for a caller that has just looked the key up: {@code existing} is what {@link #find} said. */
    void put(int existing, Key128 key, long when, long value, Object ref) {
        if (existing >= 0) {
            kill(existing);
        }
        makeRoom();
        int slot = (head + used) % capacity;
        int at = slot * stride;
        slots[at + HI] = key.hi();
        slots[at + LO] = key.lo();
        slots[at + TIME] = when;
        if (keepsReferences) {
            reference[slot] = ref;
        } else {
            slots[at + NUMBER] = value;
        }
        used++;
        live++;
        insertIntoIndex(slot);
    }

    /** Removes {@code key}; false when it was not there. */
    boolean remove(Key128 key) {
        int slot = find(key);
        if (slot < 0) {
            return false;
        }
        kill(slot);
        return true;
    }

    /** Removes entries put before {@code oldestKept}, oldest first; the walk stops at the first one kept. */
    void expire(long oldestKept) {
        while (used > 0) {
            long when = time(head);
            if (when != DEAD && when >= oldestKept) {
                return;
            }
            if (when != DEAD) {
                kill(head);
            }
            dropHead();
        }
    }

    private void makeRoom() {
        while (used > 0 && time(head) == DEAD) {
            dropHead();
        }
        if (used < capacity) {
            return;
        }
        if (live < capacity / 2) {
            resize(capacity); // mostly dead slots: compact in place of growing
        } else if (capacity < maxEntries) {
            resize((int) Math.min(maxEntries, (long) capacity * 2));
        } else {
            evicted++;
            kill(head);
            dropHead();
        }
    }

    private void dropHead() {
        if (keepsReferences) {
            reference[head] = null;
        }
        head = (head + 1) % capacity;
        used--;
    }

    /** Copies the live slots, oldest first, into arrays of {@code newCapacity} and indexes them anew. */
    private void resize(int newCapacity) {
        long[] oldSlots = slots;
        Object[] oldReference = reference;
        int oldHead = head, oldUsed = used, oldCapacity = capacity;
        allocate(newCapacity);
        for (int i = 0; i < oldUsed; i++) {
            int from = (oldHead + i) % oldCapacity;
            if (oldSlots[from * stride + TIME] == DEAD) {
                continue;
            }
            int slot = used++;
            System.arraycopy(oldSlots, from * stride, slots, slot * stride, stride);
            if (keepsReferences) {
                reference[slot] = oldReference[from];
            }
            live++;
            insertIntoIndex(slot);
        }
    }

    private void kill(int slot) {
        removeFromIndex(slot);
        slots[slot * stride + TIME] = DEAD;
        if (keepsReferences) {
            reference[slot] = null;
        }
        live--;
    }

    private void insertIntoIndex(int slot) {
        int mask = index.length - 1;
        int hash = (int) slots[slot * stride + LO];
        int position = hash & mask;
        while (index[position] != 0) {
            position = (position + 1) & mask;
        }
        index[position] = ((long) hash << 32) | (slot + 1);
    }

    /** Linear-probing deletion: later entries of the same probe run shift back into the gap. */
    private void removeFromIndex(int slot) {
        int mask = index.length - 1;
        int gap = (int) slots[slot * stride + LO] & mask;
        while ((int) index[gap] != slot + 1) {
            gap = (gap + 1) & mask;
        }
        int position = gap;
        while (true) {
            position = (position + 1) & mask;
            long entry = index[position];
            if (entry == 0) {
                break;
            }
            int home = (int) (entry >>> 32) & mask;
            // move the entry back unless its home lies cyclically in (gap, position]
            boolean stays = gap <= position ? (home > gap && home <= position) : (home > gap || home <= position);
            if (!stays) {
                index[gap] = entry;
                gap = position;
            }
        }
        index[gap] = 0;
    }

    /** Receives the live entries of a table, oldest first. */
    interface Visitor {
        void entry(long hi, long lo, long time, long number, Object reference);
    }

    void forEach(Visitor visitor) {
        for (int i = 0; i < used; i++) {
            int slot = (head + i) % capacity;
            int at = slot * stride;
            if (slots[at + TIME] != DEAD) {
                visitor.entry(slots[at + HI], slots[at + LO], slots[at + TIME], number(slot), reference(slot));
            }
        }
    }

    /** For tests: whether the index and the ring agree. */
    boolean consistent() {
        int counted = 0;
        for (int i = 0; i < used; i++) {
            int slot = (head + i) % capacity;
            if (time(slot) != DEAD) {
                counted++;
                if (find(new Key128(slots[slot * stride + HI], slots[slot * stride + LO])) != slot) {
                    return false;
                }
            }
        }
        return counted == live && Arrays.stream(index).filter(e -> e != 0).count() == live;
    }
}
