package io.exocom.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/** The file operations on a journal directory, all through the injected {@link ChannelFactory}. */
final class SegmentStorage {

    /** A zero-filled file made ahead of time, named without an id until it becomes a segment. */
    static final String PREPARED_SUFFIX = ".prepared";

    private static final Set<StandardOpenOption> CREATE =
            Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
    private static final Set<StandardOpenOption> READ_WRITE = Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE);
    private static final Set<StandardOpenOption> READ = Set.of(StandardOpenOption.READ);
    private static final int ZEROS_CHUNK = 1 << 20;

    private final Path directory;
    private final ChannelFactory factory;

    SegmentStorage(Path directory, ChannelFactory factory) {
        this.directory = directory;
        this.factory = factory;
    }

    Path directory() {
        return directory;
    }

    Path path(long id) {
        return SegmentFiles.path(directory, id);
    }

    Path preparedPath(long number) {
        return directory.resolve(number + PREPARED_SUFFIX);
    }

    /**
     * A new segment file with its header, forced, and its directory entry forced: only then may records written
     * into it be reported durable. Not pre-allocated: used when no prepared file is at hand.
     */
    FileChannel create(long id) throws IOException {
        Path path = path(id);
        FileChannel channel = factory.open(path, CREATE);
        try {
            writeFully(channel, SegmentHeader.encode(id), 0);
            channel.force(true);
            forceDirectory();
            return channel;
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            deleteQuietly(path);
            throw e;
        }
    }

    /**
     * A file of {@code bytes} zeros, forced with its size: overwriting it later changes no file metadata, so a sync
     * of records written into it is one data flush (appending to a growing file costs a metadata journal commit on
     * top, about half again as long on the disk measured).
     */
    FileChannel prepare(Path path, long bytes) throws IOException {
        FileChannel channel = factory.open(path, CREATE);
        try {
            ByteBuffer zeros = ByteBuffer.allocateDirect((int) Math.min(ZEROS_CHUNK, bytes));
            for (long offset = 0; offset < bytes; offset += zeros.capacity()) {
                zeros.clear();
                zeros.limit((int) Math.min(zeros.capacity(), bytes - offset));
                writeFully(channel, zeros, offset);
            }
            channel.force(true);
            return channel;
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            deleteQuietly(path);
            throw e;
        }
    }

    /**
     * Makes a prepared file segment {@code id}: header, rename, directory forced. The header becomes durable with the
     * first sync of records; until then a crash leaves a last segment without a header, which recovery removes.
     */
    void install(FileChannel prepared, Path from, long id) throws IOException {
        writeFully(prepared, SegmentHeader.encode(id), 0);
        factory.move(from, path(id));
        forceDirectory();
    }

    FileChannel openForReading(long id) throws IOException {
        return factory.open(path(id), READ);
    }

    FileChannel openForWriting(long id) throws IOException {
        return factory.open(path(id), READ_WRITE);
    }

    void delete(long id) throws IOException {
        factory.delete(path(id));
        forceDirectory();
    }

    /** Prepared files a previous run left behind; they hold nothing. */
    void deletePrepared() throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, "*" + PREPARED_SUFFIX)) {
            for (Path entry : entries) {
                factory.delete(entry);
            }
        }
    }

    /** Makes creations, deletions and renames in the directory durable (fsync of the directory itself). */
    void forceDirectory() throws IOException {
        try (FileChannel dir = factory.open(directory, READ)) {
            dir.force(true);
        }
    }

    void deleteQuietly(Path path) {
        try {
            if (Files.exists(path)) {
                factory.delete(path);
            }
        } catch (IOException ignored) {
            // a leftover file is skipped or removed by the next recovery
        }
    }

    static void writeFully(FileChannel channel, ByteBuffer buffer, long offset) throws IOException {
        long at = offset - buffer.position();
        while (buffer.hasRemaining()) {
            channel.write(buffer, at + buffer.position());
        }
    }

    static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // the channel is given up either way
            }
        }
    }
}
