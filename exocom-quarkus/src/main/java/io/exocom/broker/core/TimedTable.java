package io.exocom.broker.core;

import java.util.Arrays;

/**
 * A compact table of {@link Key128} keys kept in the order they were put, each with a time, a number and an
 * optional reference: the memory behind de-duplication (a million ids) and reply correlations (a million open
 * commands), which the broker must bound and expire cheaply. Slots live in parallel arrays used as a ring, oldest
 * first, so that expiring walks only what expires; an open-addressing index (linear probing, deletion by shifting
 * back, so no tombstones in the index) finds a key. A key put again, or removed, leaves a dead slot in the ring,
 * reclaimed when the ring's oldest end reaches it or when the ring is compacted. About 40 bytes per entry, against
 * some 200 for a map of strings. Not thread-safe: callers stripe and lock.
 */
final class TimedTable {
    private static final long DEAD = Long.MIN_VALUE;
    private static final int INITIAL = 64;

    private final int maxEntries;
    private long[] hi;
    private long[] lo;
    private long[] time;
    private long[] number;
    private Object[] reference;
    private int head;       // oldest slot in the ring
    private int used;       // slots from head, live or dead
    private int live;
    private int[] index;    // slot + 1, 0 = empty
    private long evicted;

    /** @param maxEntries the most live entries; putting more evicts the oldest */
    TimedTable(int maxEntries) {
        this.maxEntries = Math.max(1, maxEntries);
        allocate(Math.min(INITIAL, this.maxEntries));
    }

    private void allocate(int capacity) {
        hi = new long[capacity];
        lo = new long[capacity];
        time = new long[capacity];
        number = new long[capacity];
        reference = new Object[capacity];
        index = new int[Integer.highestOneBit(Math.max(4, capacity * 2 - 1)) << 1];
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
        for (int position = (int) key.lo() & mask; ; position = (position + 1) & mask) {
            int entry = index[position];
            if (entry == 0) {
                return -1;
            }
            int slot = entry - 1;
            if (hi[slot] == key.hi() && lo[slot] == key.lo()) {
                return slot;
            }
        }
    }

    long time(int slot) {
        return time[slot];
    }

    long number(int slot) {
        return number[slot];
    }

    Object reference(int slot) {
        return reference[slot];
    }

    /** Puts {@code key} as the newest entry, replacing an older entry of the same key. */
    void put(Key128 key, long when, long value, Object ref) {
        int existing = find(key);
        if (existing >= 0) {
            kill(existing);
        }
        makeRoom();
        int slot = (head + used) % hi.length;
        hi[slot] = key.hi();
        lo[slot] = key.lo();
        time[slot] = when;
        number[slot] = value;
        reference[slot] = ref;
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
            if (time[head] != DEAD && time[head] >= oldestKept) {
                return;
            }
            if (time[head] != DEAD) {
                kill(head);
            }
            dropHead();
        }
    }

    private void makeRoom() {
        while (used > 0 && time[head] == DEAD) {
            dropHead();
        }
        if (used < hi.length) {
            return;
        }
        if (live < hi.length / 2) {
            resize(hi.length); // mostly dead slots: compact in place of growing
        } else if (hi.length < maxEntries) {
            resize((int) Math.min(maxEntries, (long) hi.length * 2));
        } else {
            evicted++;
            kill(head);
            dropHead();
        }
    }

    private void dropHead() {
        reference[head] = null;
        head = (head + 1) % hi.length;
        used--;
    }

    /** Copies the live slots, oldest first, into arrays of {@code capacity} and indexes them anew. */
    private void resize(int capacity) {
        long[] oldHi = hi, oldLo = lo, oldTime = time, oldNumber = number;
        Object[] oldReference = reference;
        int oldHead = head, oldUsed = used, oldLength = oldHi.length;
        allocate(capacity);
        for (int i = 0; i < oldUsed; i++) {
            int from = (oldHead + i) % oldLength;
            if (oldTime[from] == DEAD) {
                continue;
            }
            int slot = used++;
            hi[slot] = oldHi[from];
            lo[slot] = oldLo[from];
            time[slot] = oldTime[from];
            number[slot] = oldNumber[from];
            reference[slot] = oldReference[from];
            live++;
            insertIntoIndex(slot);
        }
    }

    private void kill(int slot) {
        removeFromIndex(slot);
        time[slot] = DEAD;
        reference[slot] = null;
        live--;
    }

    private void insertIntoIndex(int slot) {
        int mask = index.length - 1;
        int position = (int) lo[slot] & mask;
        while (index[position] != 0) {
            position = (position + 1) & mask;
        }
        index[position] = slot + 1;
    }

    /** Linear-probing deletion: later entries of the same probe run shift back into the gap. */
    private void removeFromIndex(int slot) {
        int mask = index.length - 1;
        int gap = (int) lo[slot] & mask;
        while (index[gap] != slot + 1) {
            gap = (gap + 1) & mask;
        }
        int position = gap;
        while (true) {
            position = (position + 1) & mask;
            int entry = index[position];
            if (entry == 0) {
                break;
            }
            int home = (int) lo[entry - 1] & mask;
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
            int slot = (head + i) % hi.length;
            if (time[slot] != DEAD) {
                visitor.entry(hi[slot], lo[slot], time[slot], number[slot], reference[slot]);
            }
        }
    }

    /** For tests: whether the index and the ring agree. */
    boolean consistent() {
        int counted = 0;
        for (int i = 0; i < used; i++) {
            int slot = (head + i) % hi.length;
            if (time[slot] != DEAD) {
                counted++;
                if (find(new Key128(hi[slot], lo[slot])) != slot) {
                    return false;
                }
            }
        }
        return counted == live && Arrays.stream(index).filter(e -> e != 0).count() == live;
    }
}
