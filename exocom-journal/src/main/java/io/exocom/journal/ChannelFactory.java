package io.exocom.journal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Set;

/**
 * How the journal opens its segment files and its directory (for forcing directory entries). The default is
 * {@link FileChannel#open}; tests inject channels that lose unforced data or run out of space
 * ({@code io.exocom.journal.fault}).
 */
@FunctionalInterface
public interface ChannelFactory {

    ChannelFactory DEFAULT = FileChannel::open;

    FileChannel open(Path path, Set<? extends OpenOption> options) throws IOException;
}
