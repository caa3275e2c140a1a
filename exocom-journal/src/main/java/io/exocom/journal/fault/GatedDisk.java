package io.exocom.journal.fault;

import io.exocom.journal.ChannelFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A disk on which a test can hold a segment force until it lets it go: a sync that takes as long as the test likes.
 * Only segment files count, by the name they have at the force (a prepared file becomes a segment by a rename).
 */
public final class GatedDisk implements ChannelFactory {

    private final AtomicLong forces = new AtomicLong();
    private final AtomicBoolean armed = new AtomicBoolean();
    private final Map<Path, AtomicReference<Path>> names = new ConcurrentHashMap<>();
    private volatile CountDownLatch reached = new CountDownLatch(1);
    private volatile CountDownLatch gate = new CountDownLatch(1);

    @Override
    public FileChannel open(Path path, Set<? extends OpenOption> options) throws IOException {
        Path key = path.toAbsolutePath().normalize();
        AtomicReference<Path> name = Files.isDirectory(key) ? new AtomicReference<>(key)
                : names.computeIfAbsent(key, AtomicReference::new);
        return new DelegatingFileChannel(FileChannel.open(path, options)) {
            @Override
            public void force(boolean metaData) throws IOException {
                boolean segment = isSegment(name.get());
                if (segment && armed.compareAndSet(true, false)) {
                    reached.countDown();
                    try {
                        gate.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                super.force(metaData);
                if (segment) {
                    forces.incrementAndGet();
                }
            }
        };
    }

    @Override
    public void move(Path from, Path to) throws IOException {
        ChannelFactory.super.move(from, to);
        Path target = to.toAbsolutePath().normalize();
        AtomicReference<Path> name = names.remove(from.toAbsolutePath().normalize());
        if (name != null) {
            name.set(target);
            names.put(target, name);
        }
    }

    /** Whether a path names a journal segment. */
    public static boolean isSegment(Path path) {
        return path.getFileName().toString().endsWith(".seg");
    }

    /** Forces of segment files that finished. */
    public long forces() {
        return forces.get();
    }

    /** The next force of a segment waits until {@link #releaseForce()}. */
    public void holdNextForce() {
        reached = new CountDownLatch(1);
        gate = new CountDownLatch(1);
        armed.set(true);
    }

    /** Returns once the writer is inside the held force. */
    public void awaitHeldForce() throws InterruptedException, TimeoutException {
        if (!reached.await(30, TimeUnit.SECONDS)) {
            throw new TimeoutException("the writer never forced");
        }
    }

    public void releaseForce() {
        gate.countDown();
    }
}
