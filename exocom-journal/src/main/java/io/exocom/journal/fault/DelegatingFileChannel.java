package io.exocom.journal.fault;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A file channel that passes everything to a real one; the fault-injecting disks override what they change. Every
 * operation first asks {@link #check()}, so that a disk can make a channel dead. Public so that tests can build
 * disks of their own.
 */
public abstract class DelegatingFileChannel extends FileChannel {

    protected final FileChannel delegate;

    protected DelegatingFileChannel(FileChannel delegate) {
        this.delegate = delegate;
    }

    /** Throws when the channel may not be used any more. */
    protected void check() throws IOException {
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        check();
        return delegate.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        check();
        return delegate.read(dsts, offset, length);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        check();
        return delegate.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        long position = position();
        int written = write(src, position);
        position(position + written);
        return written;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            while (srcs[i].hasRemaining()) {
                int written = write(srcs[i]);
                if (written == 0) {
                    return total;
                }
                total += written;
            }
        }
        return total;
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        check();
        return delegate.write(src, position);
    }

    @Override
    public long position() throws IOException {
        check();
        return delegate.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        check();
        delegate.position(newPosition);
        return this;
    }

    @Override
    public long size() throws IOException {
        check();
        return delegate.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        check();
        delegate.truncate(size);
        return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        check();
        delegate.force(metaData);
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        throw new UnsupportedOperationException("the journal does not transfer between channels");
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        throw new UnsupportedOperationException("the journal does not transfer between channels");
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        throw new UnsupportedOperationException("mapped writes would bypass the injected faults");
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        throw new UnsupportedOperationException("the journal locks its directory through a channel of its own");
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        throw new UnsupportedOperationException("the journal locks its directory through a channel of its own");
    }

    @Override
    protected void implCloseChannel() throws IOException {
        delegate.close();
    }
}
