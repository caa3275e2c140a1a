package io.exocom.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/** The file operations on a journal directory, all through the injected {@link ChannelFactory}. */
final class SegmentStorage {

    private static final Set<StandardOpenOption> CREATE =
            Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
    private static final Set<StandardOpenOption> READ_WRITE = Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE);
    private static final Set<StandardOpenOption> READ = Set.of(StandardOpenOption.READ);

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

    /**
     * A new segment file with its header, forced, and its directory entry forced: only then may records written
     * into it be reported durable.
     */
    FileChannel create(long id) throws IOException {
        Path path = path(id);
        FileChannel channel = factory.open(path, CREATE);
        try {
            ByteBuffer header = SegmentHeader.encode(id);
            while (header.hasRemaining()) {
                channel.write(header, header.position());
            }
            channel.force(true);
            forceDirectory();
            return channel;
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            deleteQuietly(path);
            throw e;
        }
    }

    FileChannel openForReading(long id) throws IOException {
        return factory.open(path(id), READ);
    }

    FileChannel openForWriting(long id) throws IOException {
        return factory.open(path(id), READ_WRITE);
    }

    void delete(long id) throws IOException {
        Files.delete(path(id));
        forceDirectory();
    }

    /** Makes creations, deletions and renames in the directory durable (fsync of the directory itself). */
    void forceDirectory() throws IOException {
        try (FileChannel dir = factory.open(directory, READ)) {
            dir.force(true);
        }
    }

    void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // a leftover empty segment is skipped or removed by the next recovery
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
