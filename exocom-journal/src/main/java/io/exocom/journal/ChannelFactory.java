package io.exocom.journal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Set;

/**
 * How the journal opens, renames and deletes its files, and opens its directory (to force directory entries). The
 * default is plain NIO; tests inject disks that lose unforced data or run out of space
 * ({@code io.exocom.journal.fault}).
 */
@FunctionalInterface
public interface ChannelFactory {

    ChannelFactory DEFAULT = FileChannel::open;

    FileChannel open(Path path, Set<? extends OpenOption> options) throws IOException;

    /** Renames a file atomically (within the journal's directory); durable once the directory is forced. */
    default void move(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Deletes a file; durable once the directory is forced. */
    default void delete(Path path) throws IOException {
        Files.delete(path);
    }
}
