package io.exocom.journal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Segment file names: the id, zero-padded so that names sort like ids, and {@code .seg}. */
final class SegmentFiles {

    private static final Pattern NAME = Pattern.compile("(\\d{10})\\.seg");

    private SegmentFiles() {
    }

    static Path path(Path directory, long id) {
        return directory.resolve(String.format("%010d.seg", id));
    }

    /** The ids of the segment files in {@code directory}, ascending; other files are left alone. */
    static List<Long> list(Path directory) throws IOException {
        List<Long> ids = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            for (Path entry : entries) {
                Matcher matcher = NAME.matcher(entry.getFileName().toString());
                if (matcher.matches() && Files.isRegularFile(entry)) {
                    ids.add(Long.parseLong(matcher.group(1)));
                }
            }
        }
        Collections.sort(ids);
        return ids;
    }
}
