package io.exocom.journal;

import java.nio.ByteBuffer;

/** Receives the recovered records in log order, from {@link Journal#replay}. */
@FunctionalInterface
public interface RecordVisitor {

    /**
     * One valid record. {@code payload} is a read-only view that is only valid during this call: copy what you keep.
     */
    void record(long position, int type, ByteBuffer payload);
}
