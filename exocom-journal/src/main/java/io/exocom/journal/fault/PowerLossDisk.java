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
import java.util.function.Predicate;

/**
 * A disk whose power can fail, for tests. Writes go to the real files at once (so the journal reads what it wrote),
 * and the disk remembers what each file looked like at its last force, and which creations, renames and deletions
 * were followed by a force of their directory. {@link #powerFail} puts every file back to its forced state
 * (keeping, when given a random source, a torn part of what was not forced, some of its 512-byte sectors lost),
 * undoes creations, renames and deletions whose directory was not forced since, and makes every channel opened so
 * far fail. {@link #powerOn()} lets the next journal open the directory again.
 */
public final class PowerLossDisk implements ChannelFactory {

    private static final int SECTOR = 512;

    private final Object lock = new Object();
    private final Map<Path, FileImage> images = new HashMap<>();
    private int generation;
    private boolean off;
    private Predicate<Path> armedFor;
    private Random armedTorn;
    private long fileForces;

    /** A file's content as of its last force, and where it was changed since. */
    private static final class FileImage {
        byte[] durable;
        long dirtyFrom = Long.MAX_VALUE;
        /** Created since its directory was last forced: a power failure loses it. */
        boolean unlinked;
        /** Renamed from there since its directory was last forced: a power failure undoes the rename. */
        Path renamedFrom;
        /** Deleted since its directory was last forced: a power failure brings it back. */
        boolean deleted;
        /** The file's name now. */
        Path name;

        FileImage(Path name, byte[] durable, boolean unlinked) {
            this.name = name;
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
            if (image == null || image.deleted || !existed) {
                image = new FileImage(key, existed ? Files.readAllBytes(key) : new byte[0], !existed);
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
     * The power fails right after the next write to a file {@code toFile} accepts (by its name then) reached the
     * disk's cache, before it can be forced: the moment that leaves the most behind that is not durable.
     */
    public void powerFailAtNextWrite(Random torn, Predicate<Path> toFile) {
        synchronized (lock) {
            armedFor = toFile;
            armedTorn = torn;
        }
    }

    public boolean isOff() {
        synchronized (lock) {
            return off;
        }
    }

    private void fail(Random torn) throws IOException {
        armedFor = null;
        off = true;
        generation++;
        for (Map.Entry<Path, FileImage> entry : images.entrySet()) {
            Path path = entry.getKey();
            FileImage image = entry.getValue();
            if (image.unlinked && image.renamedFrom == null) {
                Files.deleteIfExists(path);
                continue;
            }
            byte[] survived = image.durable;
            if (torn != null && !image.deleted && Files.exists(path) && image.dirtyFrom != Long.MAX_VALUE) {
                survived = withTornWrites(image.durable, Files.readAllBytes(path), image.dirtyFrom, torn);
            }
            if (image.renamedFrom != null) {
                Files.deleteIfExists(path);
                path = image.renamedFrom;
            }
            Files.write(path, survived);
        }
        images.clear();
    }

    /** The power is back: files are as the failure left them, and channels opened from now on work. */
    public void powerOn() {
        synchronized (lock) {
            off = false;
        }
    }

    /**
     * What a torn write leaves: from where the file was first changed since its last force, a random part of the
     * new bytes reached the disk, each 512-byte sector of it with a chance of still holding its old bytes (zeros
     * beyond the old end), as disks write sectors in any order.
     */
    private static byte[] withTornWrites(byte[] durable, byte[] current, long dirtyFrom, Random random) {
        if (dirtyFrom >= current.length) {
            return durable;  // only a truncation, which did not reach the disk
        }
        int from = (int) dirtyFrom;
        int end = from + random.nextInt(current.length - from + 1);
        byte[] survived = Arrays.copyOf(durable, Math.max(durable.length, end));
        for (int sector = from - from % SECTOR; sector < end; sector += SECTOR) {
            if (random.nextInt(4) != 0) {
                int start = Math.max(sector, from);
                System.arraycopy(current, start, survived, start, Math.min(sector + SECTOR, end) - start);
            }
        }
        return survived;
    }

    @Override
    public void move(Path from, Path to) throws IOException {
        synchronized (lock) {
            if (off) {
                throw new IOException("the power is off (simulated power failure)");
            }
            Path source = from.toAbsolutePath().normalize();
            Path target = to.toAbsolutePath().normalize();
            ChannelFactory.super.move(source, target);
            FileImage image = images.remove(source);
            if (image == null) {
                image = new FileImage(target, Files.readAllBytes(target), false);
            }
            image.name = target;
            if (!image.unlinked) {
                image.renamedFrom = source;
            }
            image.unlinked = true;
            images.put(target, image);
        }
    }

    @Override
    public void delete(Path path) throws IOException {
        synchronized (lock) {
            if (off) {
                throw new IOException("the power is off (simulated power failure)");
            }
            Path key = path.toAbsolutePath().normalize();
            FileImage image = images.get(key);
            if (image == null) {
                image = new FileImage(key, Files.readAllBytes(key), false);
                images.put(key, image);
            }
            Files.delete(key);
            if (image.unlinked && image.renamedFrom == null) {
                images.remove(key);
            } else {
                image.deleted = true;
            }
        }
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
                if (armedFor != null && armedFor.test(image.name)) {
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
                        FileImage image = entry.getValue();
                        if (image.deleted) {
                            it.remove();
                        } else {
                            image.unlinked = false;
                            image.renamedFrom = null;
                        }
                    }
                }
            }
        }
    }
}
