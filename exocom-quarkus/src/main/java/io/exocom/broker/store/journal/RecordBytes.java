package io.exocom.broker.store.journal;

import io.exocom.broker.core.Asker;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The primitive encoding of the store's records: big-endian numbers, strings as a length and UTF-8 (length -1 for
 * null), byte arrays as a length and the bytes, askers as a kind and their names. {@link Writer} builds a record's
 * payload, {@link Reader} reads one back from the view the journal replays.
 */
final class RecordBytes {
    private static final byte ASKER_NONE = 0;
    private static final byte ASKER_INSTANCE = 1;
    private static final byte ASKER_HTTP = 2;

    private RecordBytes() {
    }

    static final class Writer {
        private byte[] bytes;
        private int length;

        Writer(int capacity) {
            bytes = new byte[Math.max(32, capacity)];
        }

        Writer putByte(int value) {
            ensure(1);
            bytes[length++] = (byte) value;
            return this;
        }

        Writer putInt(int value) {
            ensure(4);
            for (int shift = 24; shift >= 0; shift -= 8) {
                bytes[length++] = (byte) (value >>> shift);
            }
            return this;
        }

        Writer putLong(long value) {
            ensure(8);
            for (int shift = 56; shift >= 0; shift -= 8) {
                bytes[length++] = (byte) (value >>> shift);
            }
            return this;
        }

        Writer putString(String value) {
            if (value == null) {
                return putInt(-1);
            }
            byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
            return putBytes(utf8);
        }

        Writer putBytes(byte[] value) {
            putInt(value.length);
            ensure(value.length);
            System.arraycopy(value, 0, bytes, length, value.length);
            length += value.length;
            return this;
        }

        Writer putAsker(Asker asker) {
            if (asker instanceof Asker.OfInstance instance) {
                return putByte(ASKER_INSTANCE).putString(instance.service()).putString(instance.instance());
            }
            if (asker instanceof Asker.OverHttp http) {
                return putByte(ASKER_HTTP).putString(http.service());
            }
            return putByte(ASKER_NONE);
        }

        int length() {
            return length;
        }

        byte[] toBytes() {
            return length == bytes.length ? bytes : Arrays.copyOf(bytes, length);
        }

        private void ensure(int more) {
            if (length + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
            }
        }
    }

    /** Reads a payload; a record that ends early or holds nonsense throws, and recovery reports it. */
    static final class Reader {
        private final ByteBuffer in;

        Reader(ByteBuffer in) {
            this.in = in;
        }

        byte getByte() {
            return in.get();
        }

        int getInt() {
            return in.getInt();
        }

        long getLong() {
            return in.getLong();
        }

        String getString() {
            int size = in.getInt();
            if (size < 0) {
                return null;
            }
            byte[] utf8 = new byte[size];
            in.get(utf8);
            return new String(utf8, StandardCharsets.UTF_8);
        }

        byte[] getBytes() {
            int size = in.getInt();
            if (size < 0 || size > in.remaining()) {
                throw new IllegalStateException("a byte array of " + size + " bytes with " + in.remaining() + " left");
            }
            byte[] bytes = new byte[size];
            in.get(bytes);
            return bytes;
        }

        /**
         * @param interner shares the names of services and instances among the many records that repeat them
         */
        Asker getAsker(java.util.function.Function<Asker, Asker> interner) {
            byte kind = in.get();
            return switch (kind) {
                case ASKER_NONE -> null;
                case ASKER_INSTANCE -> interner.apply(new Asker.OfInstance(getString(), getString()));
                case ASKER_HTTP -> new Asker.OverHttp(getString(), null);
                default -> throw new IllegalStateException("unknown asker kind " + kind);
            };
        }
    }
}
