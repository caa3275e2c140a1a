package io.exocom.journal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

class RecordFramingTest {

    @TempDir
    Path dir;

    @Test
    void recordsReadBackAsWrittenWithTheirTypesAndPositions() throws IOException {
        Random random = new Random(7);
        int[] sizes = {0, 1, 11, 12, 300, 4095, 4096, 70_000, 5_000_000};
        List<byte[]> payloads = new ArrayList<>();
        for (int size : sizes) {
            byte[] payload = new byte[size];
            random.nextBytes(payload);
            payloads.add(payload);
        }
        Path file = segmentWith(payloads);

        List<Replayed> read = new ArrayList<>();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            SegmentScanner.Result result = new SegmentScanner().scan(channel, 3, channel.size(), (position, type, payload) -> {
                byte[] copy = new byte[payload.remaining()];
                payload.get(copy);
                read.add(new Replayed(position, type, copy));
            });
            assertNull(result.problem());
            assertEquals(channel.size(), result.validEnd());
            assertEquals(sizes.length, result.records());
        }
        long offset = SegmentHeader.SIZE;
        for (int i = 0; i < sizes.length; i++) {
            assertEquals(i * 10, read.get(i).type());
            assertArrayEquals(payloads.get(i), read.get(i).payload());
            assertEquals(Positions.of(3, offset), read.get(i).position());
            offset += RecordFormat.sizeOf(sizes[i]);
        }
    }

    @Test
    void everyFlippedBitInARecordIsDetected() throws IOException {
        byte[] payload = Replayed.bytes("a record whose every bit matters");
        Path file = segmentWith(List.of(payload));
        byte[] original = Files.readAllBytes(file);
        for (int bit = SegmentHeader.SIZE * 8; bit < original.length * 8; bit++) {
            byte[] damaged = original.clone();
            damaged[bit / 8] ^= (byte) (1 << (bit % 8));
            Files.write(file, damaged);
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                SegmentScanner.Result result = new SegmentScanner().scan(channel, 3, channel.size(), null);
                assertNotNull(result.problem(), "bit " + bit + " flipped went unnoticed");
                assertEquals(0, result.records());
                assertEquals(SegmentHeader.SIZE, result.validEnd());
            }
        }
    }

    @Test
    void aDamagedOrForeignSegmentHeaderIsRefused() throws IOException {
        Path file = segmentWith(List.of(Replayed.bytes("x")));
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            SegmentScanner.Result otherId = new SegmentScanner().scan(channel, 4, channel.size(), null);
            assertEquals("segment header says id 3 but the file is named for id 4", otherId.problem());
        }
        byte[] bytes = Files.readAllBytes(file);
        bytes[9] ^= 1;
        Files.write(file, bytes);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            assertEquals("segment header checksum mismatch",
                    new SegmentScanner().scan(channel, 3, channel.size(), null).problem());
        }
    }

    @Test
    void zerosAreNeverARecord() throws IOException {
        Path file = segmentWith(List.of());
        Files.write(file, new byte[4096], StandardOpenOption.APPEND);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            SegmentScanner.Result result = new SegmentScanner().scan(channel, 3, channel.size(), null);
            assertEquals("record checksum mismatch", result.problem());
            assertEquals(SegmentHeader.SIZE, result.validEnd());
            assertEquals(-1, SegmentScanner.countRecords(channel, result.validEnd(), channel.size()),
                    "a run of zeros cannot be told apart into records");
        }
    }

    private Path segmentWith(List<byte[]> payloads) throws IOException {
        Path file = dir.resolve("segment");
        RecordFormat format = new RecordFormat();
        int total = SegmentHeader.SIZE;
        for (byte[] payload : payloads) {
            total += RecordFormat.sizeOf(payload.length);
        }
        ByteBuffer buffer = ByteBuffer.allocate(total);
        buffer.put(SegmentHeader.encode(3));
        for (int i = 0; i < payloads.size(); i++) {
            format.encode(buffer, i * 10, payloads.get(i));
        }
        Files.write(file, buffer.array());
        return file;
    }
}
