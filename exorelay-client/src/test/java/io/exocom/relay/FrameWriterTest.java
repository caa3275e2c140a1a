package io.exocom.relay;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.exocom.protocol.Envelope;
import io.exocom.protocol.Frame;
import io.exocom.protocol.FrameCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The relay's frames are byte for byte what the shared codec writes, so the broker reads them as before (its
 * plain-ack fast path included), and the broker's own decoder accepts them.
 */
class FrameWriterTest {
    private final ObjectMapper mapper = new ObjectMapper();
    private final FrameWriter writer = new FrameWriter(mapper);
    private final FrameCodec codec = new FrameCodec(mapper);

    private static String text(byte[] utf8) {
        return new String(utf8, StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"3f1c2a9e-5b7d-4c1e-9a0f-1b2c3d4e5f60", "with \"quotes\" and \\ backslash", "ünï✓", "tab\there"})
    void acksAreWhatTheCodecWrites(String id) {
        assertEquals(codec.encode(new Frame.Ack(id)), text(writer.ack(id)));
    }

    @Test
    void nacksClosingAndRegisterAreWhatTheCodecWrites() {
        assertEquals(codec.encode(new Frame.Nack("n1", true, "the handler failed")),
                text(writer.nack("n1", true, "the handler failed")));
        assertEquals(codec.encode(new Frame.Closing()), text(writer.closing()));
        Frame.Register register = new Frame.Register("web", "web-1", "secret", 8, List.of("a.b"), "1.1");
        assertEquals(codec.encode(register), text(writer.register(register)));
    }

    @Test
    void aSendCarriesThePayloadWrittenStraightFromTheObject() {
        record Todo(String text, int n) {
        }
        byte[] frame = writer.send(new FrameWriter.Outgoing("r1", "todos.created", new Todo("milk", 2), "o1", "c1", false));
        Envelope expected = Envelope.command("todos.created", mapper.valueToTree(new Todo("milk", 2)))
                .withId("r1").withOriginId("o1").withResponseTo("c1", false);
        assertEquals(codec.encode(new Frame.Send(expected)), text(frame));
        assertEquals(new Frame.Send(expected), codec.decodeRelayFrame(text(frame)));
        assertEquals(codec.encode(new Frame.Send(Envelope.command("a.b", null).withId("x"))),
                text(writer.send(new FrameWriter.Outgoing("x", "a.b", null, null, null, true))));
    }

    @Test
    void aPayloadJacksonCannotWriteIsRefusedNamingTheMessage() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> writer.send(new FrameWriter.Outgoing("x", "a.b", new Object(), null, null, true)));
        assertTrue(refused.getMessage().startsWith("the payload of \"a.b\" cannot be written as JSON"),
                refused.getMessage());
    }
}
