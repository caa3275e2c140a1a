package io.exocom.journal.fault;

import io.exocom.journal.ChannelFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A disk whose power can fail, for tests. Writes go to the real files at once (so the journal reads what it wrote),
 * and the disk remembers what each file looked like at its last force. {@link #powerFail} puts every file back to
 * that state (keeping, when given a random source, a torn prefix of what was not forced, with some of its
 * 512-byte sectors lost), removes files whose directory entry was never forced, and makes every channel opened
 * so far fail. {@link #powerOn()} lets the next journal open the directory again.
 */
public final class PowerLossDisk implements ChannelFactory {

    private static final int SECTOR = 512;

    private final Object lock = new Object();
    private final Map<Path, FileImage> images = new HashMap<>();
    private int generation;
    private boolean off;
    private boolean armed;
    private Random armedTorn;
    private long fileForces;

    /** A file's content as of its last force, and where it was changed since. */
    private static final class FileImage {
        byte[] durable;
        long dirtyFrom = Long.MAX_VALUE;
        /** Created since its directory was last forced: a power failure loses it. */
        boolean unlinked;

        FileImage(byte[] durable, boolean unlinked) {
            this.durable = durable;
            this.unlinked = unlinked;
        }
    }

    @Override
    public FileChannel open(Path path, Set<? extends OpenOption> options) throws IOException {
        synchronized (lock) {
            if (off) {
                throw new IOException("the power is off (simulated power failure)");
            }
            Path key = path.toAbsolutePath().normalize();
            boolean existed = Files.exists(key);
            FileChannel real = FileChannel.open(key, options);
            if (Files.isDirectory(key)) {
                return new DirectoryChannel(real, key, generation);
            }
            FileImage image = images.get(key);
            if (image == null || !existed) {
                image = new FileImage(existed ? Files.readAllBytes(key) : new byte[0], !existed);
                images.put(key, image);
            }
            return new Channel(real, image, generation);
        }
    }

    /** Forces of segment files (directory forces are not counted). */
    public long fileForces() {
        synchronized (lock) {
            return fileForces;
        }
    }

    /** The power fails: only what was forced survives (plus, with {@code torn}, a torn part of the rest). */
    public void powerFail(Random torn) throws IOException {
        synchronized (lock) {
            fail(torn);
        }
    }

    /**
     * The power fails right after the next write to a file reached the disk's cache (before it can be forced): the
     * moment that leaves the most behind that is not durable.
     */
    public void powerFailAtNextWrite(Random torn) {
        synchronized (lock) {
            armed = true;
            armedTorn = torn;
        }
    }

    public boolean isOff() {
        synchronized (lock) {
            return off;
        }
    }

    private void fail(Random torn) throws IOException {
        {
            armed = false;
            off = true;
            generation++;
            for (Map.Entry<Path, FileImage> entry : images.entrySet()) {
                Path path = entry.getKey();
                FileImage image = entry.getValue();
                if (image.unlinked) {
                    Files.deleteIfExists(path);
                    continue;
                }
                byte[] survived = image.durable;
                if (torn != null && Files.exists(path) && image.dirtyFrom >= image.durable.length) {
                    byte[] current = Files.readAllBytes(path);
                    if (current.length > image.durable.length) {
                        survived = withTornTail(image.durable, current, torn);
                    }
                }
                Files.write(path, survived);
            }
            images.clear();
        }
    }

    /** The power is back: files are as the failure left them, and channels opened from now on work. */
    public void powerOn() {
        synchronized (lock) {
            off = false;
        }
    }

    private static byte[] withTornTail(byte[] durable, byte[] current, Random random) {
        int unforced = current.length - durable.length;
        int kept = random.nextInt(unforced + 1);
        byte[] survived = Arrays.copyOf(current, durable.length + kept);
        for (int sector = durable.length - durable.length % SECTOR; sector < survived.length; sector += SECTOR) {
            if (sector >= durable.length && random.nextInt(4) == 0) {
                Arrays.fill(survived, sector, Math.min(sector + SECTOR, survived.length), (byte) 0);
            }
        }
        return survived;
    }

    private void checkPower(int openedIn) throws IOException {
        if (off || openedIn != generation) {
            throw new IOException("Input/output error (simulated power failure)");
        }
    }

    private final class Channel extends DelegatingFileChannel {
        private final FileImage image;
        private final int openedIn;

        Channel(FileChannel delegate, FileImage image, int openedIn) {
            super(delegate);
            this.image = image;
            this.openedIn = openedIn;
        }

        @Override
        protected void check() throws IOException {
            synchronized (lock) {
                checkPower(openedIn);
            }
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            synchronized (lock) {
                checkPower(openedIn);
                image.dirtyFrom = Math.min(image.dirtyFrom, position);
                int written = delegate.write(src, position);
                if (armed) {
                    fail(armedTorn);
                    throw new IOException("Input/output error (simulated power failure)");
                }
                return written;
            }
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            synchronized (lock) {
                checkPower(openedIn);
                image.dirtyFrom = Math.min(image.dirtyFrom, size);
                delegate.truncate(size);
                return this;
            }
        }

        @Override
        public void force(boolean metaData) throws IOException {
            synchronized (lock) {
                checkPower(openedIn);
                delegate.force(metaData);
                fileForces++;
                long size = delegate.size();
                if (image.dirtyFrom != Long.MAX_VALUE || size != image.durable.length) {
                    int from = (int) Math.min(Math.min(image.dirtyFrom, size), image.durable.length);
                    byte[] durable = Arrays.copyOf(image.durable, (int) size);
                    ByteBuffer changed = ByteBuffer.wrap(durable, from, (int) size - from);
                    while (changed.hasRemaining()) {
                        if (delegate.read(changed, changed.position()) < 0) {
                            break;
                        }
                    }
                    image.durable = durable;
                    image.dirtyFrom = Long.MAX_VALUE;
                }
            }
        }
    }

    private final class DirectoryChannel extends DelegatingFileChannel {
        private final Path directory;
        private final int openedIn;

        DirectoryChannel(FileChannel delegate, Path directory, int openedIn) {
            super(delegate);
            this.directory = directory;
            this.openedIn = openedIn;
        }

        @Override
        protected void check() throws IOException {
            synchronized (lock) {
                checkPower(openedIn);
            }
        }

        /** Entries in the directory are durable now: created files stay, deleted ones stay deleted. */
        @Override
        public void force(boolean metaData) throws IOException {
            synchronized (lock) {
                checkPower(openedIn);
                delegate.force(metaData);
                for (Iterator<Map.Entry<Path, FileImage>> it = images.entrySet().iterator(); it.hasNext(); ) {
                    Map.Entry<Path, FileImage> entry = it.next();
                    if (directory.equals(entry.getKey().getParent())) {
                        if (Files.exists(entry.getKey())) {
                            entry.getValue().unlinked = false;
                        } else {
                            it.remove();
                        }
                    }
                }
            }
        }
    }
}
