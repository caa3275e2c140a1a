package io.exocom.broker.store.memory;

import io.exocom.broker.core.Delivery;
import io.exocom.broker.store.PendingQueue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** A pending queue in memory: two deques, kept in acceptance order. Not thread-safe (see {@link PendingQueue}). */
final class MemoryPendingQueue implements PendingQueue {
    private final ArrayDeque<Delivery> commands = new ArrayDeque<>();
    private final ArrayDeque<Delivery> replies = new ArrayDeque<>();

    @Override
    public void add(Delivery delivery) {
        (delivery.isReply() ? replies : commands).addLast(delivery);
    }

    @Override
    public void requeue(Delivery delivery) {
        insertInOrder(delivery.isReply() ? replies : commands, delivery);
    }

    /** Almost always the copy belongs at the front (it is older than all that wait), so that case is O(1). */
    private static void insertInOrder(ArrayDeque<Delivery> queue, Delivery delivery) {
        long sequence = delivery.message().sequence();
        if (queue.isEmpty() || sequence <= queue.peekFirst().message().sequence()) {
            queue.addFirst(delivery);
            return;
        }
        if (sequence >= queue.peekLast().message().sequence()) {
            queue.addLast(delivery);
            return;
        }
        List<Delivery> younger = new ArrayList<>();
        Iterator<Delivery> fromBack = queue.descendingIterator();
        while (fromBack.hasNext()) {
            Delivery waiting = fromBack.next();
            if (waiting.message().sequence() < sequence) {
                break;
            }
            younger.add(waiting);
            fromBack.remove();
        }
        queue.addLast(delivery);
        for (int i = younger.size() - 1; i >= 0; i--) {
            queue.addLast(younger.get(i));
        }
    }

    @Override
    public Delivery pollReply() {
        return replies.pollFirst();
    }

    @Override
    public Delivery peekCommand() {
        return commands.peekFirst();
    }

    @Override
    public Delivery pollCommand() {
        return commands.pollFirst();
    }

    @Override
    public int size() {
        return commands.size() + replies.size();
    }

    @Override
    public void settled(Delivery delivery) {
        // nothing is kept beyond the queue itself
    }

    @Override
    public List<Delivery> snapshot(int max) {
        List<Delivery> copy = new ArrayList<>(Math.min(max, size()));
        for (Delivery d : replies) {
            if (copy.size() >= max) {
                return copy;
            }
            copy.add(d);
        }
        for (Delivery d : commands) {
            if (copy.size() >= max) {
                return copy;
            }
            copy.add(d);
        }
        return copy;
    }
}
