package io.exocom.broker.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The copies that wait for one receiving service (PROTOCOL.md §4.3, §5.4), guarded by its dispatcher's lock.
 * <p>
 * Replies are kept apart because they never wait for prefetch. Commands wait in one queue per message name, each in
 * acceptance order: instances may take different names (a 1.1 relay declares its handlers), so a command nobody
 * registered can take must not hold up the names behind it. The dispatcher takes the oldest head that some instance
 * can take now, which is plain acceptance order whenever every instance takes every name.
 */
final class ServiceQueue {
    private final ArrayDeque<Delivery> replies = new ArrayDeque<>();
    private final Map<String, ArrayDeque<Delivery>> commandsByName = new LinkedHashMap<>();
    private int commands;
    private long bytes;

    void add(Delivery delivery) {
        if (delivery.isReply()) {
            replies.addLast(delivery);
        } else {
            commandsByName.computeIfAbsent(delivery.message().name(), name -> new ArrayDeque<>()).addLast(delivery);
            commands++;
        }
        bytes += delivery.size();
    }

    /** A copy back from a failed attempt: it takes its place by acceptance order again. */
    void requeue(Delivery delivery) {
        if (delivery.isReply()) {
            insertInOrder(replies, delivery);
        } else {
            insertInOrder(commandsByName.computeIfAbsent(delivery.message().name(), name -> new ArrayDeque<>()), delivery);
            commands++;
        }
        bytes += delivery.size();
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

    /** Offers every waiting reply, in order, to {@code take}; those it takes leave the queue. */
    void pollReplies(java.util.function.Predicate<Delivery> take) {
        if (replies.isEmpty()) {
            return;
        }
        Iterator<Delivery> waiting = replies.iterator();
        while (waiting.hasNext()) {
            Delivery reply = waiting.next();
            waiting.remove(); // first: taking it may queue it again (a reply can be requeued inside take)
            if (take.test(reply)) {
                bytes -= reply.size();
            } else {
                keepAside.add(reply);
            }
        }
        replies.addAll(keepAside);
        keepAside.clear();
    }

    private final ArrayDeque<Delivery> keepAside = new ArrayDeque<>();

    /** The queues of commands by name, for the dispatcher to pick heads from. */
    Iterable<ArrayDeque<Delivery>> commandQueues() {
        return commandsByName.values();
    }

    /** Removes the head of one of {@link #commandQueues()}. */
    Delivery pollCommand(ArrayDeque<Delivery> queue) {
        Delivery command = queue.pollFirst();
        commands--;
        bytes -= command.size();
        if (queue.isEmpty()) {
            commandsByName.remove(command.message().name());
        }
        return command;
    }

    boolean hasCommands() {
        return commands > 0;
    }

    /** Waiting copies, commands and replies. */
    int size() {
        return commands + replies.size();
    }

    /** What the waiting copies count against the queue's byte bound. */
    long bytes() {
        return bytes;
    }

    /** Up to {@code max} waiting copies, replies first, then commands in acceptance order, for the HTTP views. */
    List<Delivery> snapshot(int max) {
        List<Delivery> copy = new ArrayList<>(Math.min(max, size()));
        for (Delivery reply : replies) {
            if (copy.size() >= max) {
                return copy;
            }
            copy.add(reply);
        }
        List<Delivery> all = new ArrayList<>(commands);
        commandsByName.values().forEach(all::addAll);
        all.sort((a, b) -> Long.compare(a.message().sequence(), b.message().sequence()));
        for (Delivery command : all) {
            if (copy.size() >= max) {
                break;
            }
            copy.add(command);
        }
        return copy;
    }
}
