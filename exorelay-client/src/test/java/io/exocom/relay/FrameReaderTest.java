package io.exocom.relay;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.exocom.protocol.ErrorCode;
import io.exocom.protocol.Frame;
import io.exocom.protocol.ProtocolException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The relay's own frame reader: what a handler gets from the frames ExoCom writes, payload text kept exact. */
class FrameReaderTest {
    private final ObjectMapper mapper = new ObjectMapper();
    private final FrameReader reader = new FrameReader(mapper);

    private FrameReader.Inbound read(String frame) {
        return reader.read(frame.getBytes(StandardCharsets.UTF_8));
    }

    private Message delivered(String payloadJson) {
        String frame = "{\"type\":\"deliver\",\"attempt\":2,\"message\":{\"name\":\"todos.create\",\"payload\":"
                + payloadJson + ",\"id\":\"m1\",\"timestamp\":17,\"originId\":\"o1\",\"sender\":\"web\"}}";
        return assertInstanceOf(FrameReader.Delivery.class, read(frame)).message();
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"text\":\"milk\",\"n\":[1,2,{\"x\":null}]}", "[1, 2 ,3]", "\"a \\\"quoted\\\" ünïcode ✓\"",
            "12", "-3.5e7", "true", "false", "null", "{}", "[]", "{\"nested\":{\"deep\":[[\"}\"]]}}"})
    void aPayloadStaysTheTextItArrivedAs(String payload) throws Exception {
        Message message = delivered(payload);
        assertEquals(payload, message.payloadJson());
        assertEquals(mapper.readTree(payload), message.payload());
    }

    @Test
    void theEnvelopeFieldsAreReadWhateverTheirOrder() {
        String frame = "{\"message\":{\"sender\":\"todos\",\"final\":false,\"responseTo\":\"c1\",\"id\":\"r1\","
                + "\"payload\":{\"a\":1},\"headers\":{\"traceparent\":\"00-1\"},\"name\":\"todos.created\","
                + "\"unknown\":{\"skipped\":[1]}},\"attempt\":3,\"type\":\"deliver\"}";
        Message message = assertInstanceOf(FrameReader.Delivery.class, read(frame)).message();
        assertEquals("todos.created", message.name());
        assertEquals("r1", message.id());
        assertEquals("c1", message.responseTo());
        assertTrue(message.isReply());
        assertFalse(message.isFinal());
        assertEquals(3, message.attempt());
        assertEquals(Map.of("traceparent", "00-1"), message.headers());
        assertEquals("{\"a\":1}", message.payloadJson());
    }

    @Test
    void payloadAsReadsAClassStraightFromTheText() {
        record Todo(String text, int n) {
        }
        Todo todo = delivered("{\"text\":\"milk\",\"n\":2}").payloadAs(Todo.class);
        assertEquals(new Todo("milk", 2), todo);
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> delivered("[1]").payloadAs(Todo.class));
        assertTrue(wrong.getMessage().contains("does not fit Todo"), wrong.getMessage());
    }

    @Test
    void theBrokersOtherFramesBecomeTheSharedModel() {
        Frame.Registered registered = (Frame.Registered) ((FrameReader.Known) read("{\"type\":\"registered\","
                + "\"service\":\"web\",\"instance\":\"w1\",\"sends\":[\"a.b\"],\"receives\":[],\"protocol\":\"1.2\","
                + "\"maxFrameSize\":4096}")).frame();
        assertEquals(List.of("a.b"), registered.sends());
        assertEquals("1.2", registered.protocol());
        assertEquals(4096, registered.maxFrameSize());
        Frame.Accepted accepted = (Frame.Accepted) ((FrameReader.Known) read(
                "{\"type\":\"accepted\",\"id\":\"x\",\"timestamp\":99}")).frame();
        assertEquals(99, accepted.timestamp());
        Frame.Rejected rejected = (Frame.Rejected) ((FrameReader.Known) read(
                "{\"type\":\"rejected\",\"id\":\"x\",\"code\":\"some-new-code\",\"message\":\"why\"}")).frame();
        assertEquals(ErrorCode.OTHER, rejected.code());
        assertEquals("why", rejected.message());
    }

    @Test
    void aFrameThatDoesNotFitIsRefusedNamingTheField() {
        assertTrue(assertThrows(ProtocolException.class, () -> read("{\"type\":\"deliver\",\"message\":"
                + "{\"name\":\"a.b\",\"payload\":1}}")).getMessage().contains("message.id is required"));
        assertTrue(assertThrows(ProtocolException.class, () -> read("{\"type\":\"deliver\",\"message\":"
                + "{\"name\":\"a.b\",\"id\":\"1\",\"final\":\"yes\"}}")).getMessage().contains("message.final"));
        assertTrue(assertThrows(ProtocolException.class, () -> read("[1]")).getMessage().contains("JSON object"));
        assertTrue(assertThrows(ProtocolException.class, () -> read("{\"type\":\"accepted\""))
                .getMessage().contains("not valid JSON"));
        assertTrue(assertThrows(ProtocolException.class, () -> read("{\"type\":\"surprise\"}"))
                .getMessage().contains("unknown frame type"));
    }
}
