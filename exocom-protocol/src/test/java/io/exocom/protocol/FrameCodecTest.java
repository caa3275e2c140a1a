package io.exocom.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrameCodecTest {
    private final FrameCodec codec = new FrameCodec();

    /** JSON with single quotes for readability. */
    private static String json(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }

    private static ProtocolException invalid(Executable decode, String... fragments) {
        ProtocolException e = assertThrows(ProtocolException.class, decode);
        assertEquals(ErrorCode.INVALID, e.code(), "code of: " + e.getMessage());
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment),
                    "expected \"" + fragment + "\" in the message: " + e.getMessage());
        }
        return e;
    }

    private ProtocolException invalidRelay(String text, String... fragments) {
        return invalid(() -> codec.decodeRelayFrame(text), fragments);
    }

    private ProtocolException invalidSend(String envelopeJson, String... fragments) {
        return invalidRelay("{\"type\":\"send\",\"message\":" + envelopeJson + "}", fragments);
    }

    // ------------------------------------------------------------------ decoding valid relay frames

    @Nested
    class RelayFrames {
        @Test
        void registerWithAllFields() {
            Frame frame = codec.decodeRelayFrame(json(
                    "{'type':'register','service':'web','instance':'web-1','token':'t0k','prefetch':8,'receives':['a.b','c.d']}"));
            assertEquals(new Frame.Register("web", "web-1", "t0k", 8, List.of("a.b", "c.d")), frame);
        }

        @Test
        void registerWithOnlyService() {
            Frame.Register r = (Frame.Register) codec.decodeRelayFrame(json("{'type':'register','service':'web'}"));
            assertEquals("web", r.service());
            assertNull(r.instance());
            assertNull(r.token());
            assertNull(r.prefetch());
            assertNull(r.receives(), "no receives field: a 1.0 relay, which takes every name its service receives");
            assertNull(r.protocol());
        }

        @Test
        void registerOfA11RelayAndItsClosingFrame() {
            Frame.Register r = (Frame.Register) codec.decodeRelayFrame(json(
                    "{'type':'register','service':'web','receives':[],'protocol':'1.1'}"));
            assertEquals(List.of(), r.receives());
            assertEquals("1.1", r.protocol());
            assertEquals(r, codec.decodeRelayFrame(codec.encode(r)));
            assertEquals(new Frame.Closing(), codec.decodeRelayFrame(codec.encode(new Frame.Closing())));
        }

        @Test
        void duplicateKeysAreRefused() {
            invalid(() -> codec.decodeRelayFrame(json("{'type':'send','type':'ack','id':'x'}")), "Duplicate field");
        }

        @Test
        void send() {
            Frame.Send s = (Frame.Send) codec.decodeRelayFrame(json(
                    "{'type':'send','message':{'name':'todos.create','id':'m1','payload':{'text':'milk'}}}"));
            assertEquals("todos.create", s.message().name());
            assertEquals("m1", s.message().id());
            assertEquals("milk", s.message().payload().path("text").asText());
            assertFalse(s.message().isReply());
            assertTrue(s.message().isFinal());
        }

        @Test
        void ack() {
            assertEquals(new Frame.Ack("m1"), codec.decodeRelayFrame(json("{'type':'ack','id':'m1'}")));
        }

        @Test
        void nackDefaultsToRequeue() {
            assertEquals(new Frame.Nack("m1", true, null), codec.decodeRelayFrame(json("{'type':'nack','id':'m1'}")));
            assertEquals(new Frame.Nack("m1", true, null),
                    codec.decodeRelayFrame(json("{'type':'nack','id':'m1','requeue':null}")));
        }

        @Test
        void nackWithoutRequeueAndReason() {
            assertEquals(new Frame.Nack("m1", false, "boom"),
                    codec.decodeRelayFrame(json("{'type':'nack','id':'m1','requeue':false,'reason':'boom'}")));
        }

        @Test
        void relayDecoderRefusesBrokerFrames() {
            invalidRelay(json("{'type':'accepted','id':'m1','timestamp':1}"), "unknown frame type \"accepted\"");
        }
    }

    // ------------------------------------------------------------------ invalid frames (§1, §3)

    @Nested
    class InvalidFrames {
        @Test
        void missingType() {
            invalidRelay(json("{'service':'web'}"), "frame.type");
        }

        @Test
        void typeNotAString() {
            invalidRelay(json("{'type':5}"), "frame.type");
        }

        @Test
        void unknownType() {
            invalidRelay(json("{'type':'subscribe'}"), "unknown frame type \"subscribe\"");
        }

        @ParameterizedTest
        @ValueSource(strings = {"[1,2]", "\"register\"", "42", "null", "true"})
        void nonObjectJson(String text) {
            invalidRelay(text, "JSON object");
        }

        @ParameterizedTest
        @ValueSource(strings = {"{", "{\"type\":}", "not json", "{'type':'ack'}"})
        void malformedJson(String text) {
            invalidRelay(text, "not valid JSON");
        }

        @Test
        void registerWithoutService() {
            invalidRelay(json("{'type':'register'}"), "register.service");
            invalidRelay(json("{'type':'register','service':''}"), "register.service");
            invalidRelay(json("{'type':'register','service':7}"), "register.service");
        }

        @ParameterizedTest
        @ValueSource(strings = {"0", "-1", "1.5", "\"x\"", "\"8\"", "true", "99999999999"})
        void badPrefetch(String prefetch) {
            invalidRelay("{\"type\":\"register\",\"service\":\"web\",\"prefetch\":" + prefetch + "}", "register.prefetch");
        }

        @ParameterizedTest
        @ValueSource(strings = {"\"a.b\"", "{\"a\":1}", "5", "[\"a\",1]"})
        void receivesNotAListOfStrings(String receives) {
            invalidRelay("{\"type\":\"register\",\"service\":\"web\",\"receives\":" + receives + "}", "register.receives");
        }

        @Test
        void registerInstanceNotAString() {
            invalidRelay(json("{'type':'register','service':'web','instance':3}"), "register.instance");
        }

        @Test
        void sendWithoutMessage() {
            ProtocolException e = invalidRelay(json("{'type':'send'}"), "send.message");
            assertNull(e.messageId());
        }

        @ParameterizedTest
        @ValueSource(strings = {"\"text\"", "[]", "null", "1"})
        void sendWithMessageNotAnObject(String message) {
            invalidRelay("{\"type\":\"send\",\"message\":" + message + "}", "send.message");
        }

        @Test
        void ackWithoutId() {
            invalidRelay(json("{'type':'ack'}"), "ack.id");
        }

        @Test
        void ackWithTooLongId() {
            invalidRelay("{\"type\":\"ack\",\"id\":\"" + "i".repeat(129) + "\"}", "ack.id");
        }

        @Test
        void nackWithoutId() {
            invalidRelay(json("{'type':'nack','requeue':true}"), "nack.id");
        }

        @ParameterizedTest
        @ValueSource(strings = {"\"false\"", "0", "1", "{}"})
        void nackRequeueNotBoolean(String requeue) {
            invalidRelay("{\"type\":\"nack\",\"id\":\"m1\",\"requeue\":" + requeue + "}", "nack.requeue");
        }

        @Test
        void nackReasonNotAString() {
            invalidRelay(json("{'type':'nack','id':'m1','reason':{}}"), "nack.reason");
        }
    }

    // ------------------------------------------------------------------ invalid envelopes (§2)

    @Nested
    class InvalidEnvelopes {
        @Test
        void missingId() {
            ProtocolException e = invalidSend(json("{'name':'a.b'}"), "message.id");
            assertNull(e.messageId());
        }

        @Test
        void idNullCountsAsMissing() {
            invalidSend(json("{'name':'a.b','id':null}"), "message.id");
        }

        @Test
        void idTooLong() {
            ProtocolException e = invalidSend("{\"name\":\"a.b\",\"id\":\"" + "i".repeat(129) + "\"}", "message.id", "128");
            assertNull(e.messageId(), "an invalid id is not reported as the message's id");
        }

        @Test
        void idOf128CharactersIsFine() {
            String id = "i".repeat(128);
            Frame.Send s = (Frame.Send) codec.decodeRelayFrame("{\"type\":\"send\",\"message\":{\"name\":\"a.b\",\"id\":\"" + id + "\"}}");
            assertEquals(id, s.message().id());
        }

        @Test
        void idEmptyOrNotAString() {
            invalidSend(json("{'name':'a.b','id':''}"), "message.id");
            invalidSend(json("{'name':'a.b','id':12}"), "message.id");
        }

        @Test
        void missingName() {
            ProtocolException e = invalidSend(json("{'id':'m1'}"), "message.name");
            assertEquals("m1", e.messageId());
        }

        @Test
        void nameNotAStringOrEmpty() {
            invalidSend(json("{'id':'m1','name':3}"), "message.name");
            invalidSend(json("{'id':'m1','name':''}"), "message.name");
        }

        @Test
        void nameTooLong() {
            ProtocolException e = invalidSend("{\"id\":\"m1\",\"name\":\"" + "n".repeat(201) + "\"}", "message.name", "200");
            assertEquals("m1", e.messageId());
        }

        @Test
        void nameOf200CharactersIsFine() {
            String name = "n".repeat(200);
            Frame.Send s = (Frame.Send) codec.decodeRelayFrame("{\"type\":\"send\",\"message\":{\"id\":\"m1\",\"name\":\"" + name + "\"}}");
            assertEquals(name, s.message().name());
        }

        @ParameterizedTest
        @ValueSource(strings = {"todos\\ncreate", "todos\\u0000", "\\ttodos", "todos\\u007f", "todos\\u0085"})
        void nameWithControlCharacters(String name) {
            ProtocolException e = invalidSend("{\"id\":\"m1\",\"name\":\"" + name + "\"}", "message.name", "control characters");
            assertEquals("m1", e.messageId());
        }

        @Test
        void versionAnObject() {
            ProtocolException e = invalidSend(json("{'id':'m1','name':'a.b','version':{'major':1}}"), "message.version");
            assertEquals("m1", e.messageId());
        }

        @Test
        void versionAList() {
            invalidSend(json("{'id':'m1','name':'a.b','version':[1]}"), "message.version");
        }

        @Test
        void headersWithNonStringValue() {
            ProtocolException e = invalidSend(json("{'id':'m1','name':'a.b','headers':{'traceparent':'x','retries':3}}"),
                    "message.headers.retries");
            assertEquals("m1", e.messageId());
        }

        @Test
        void headersNotAnObject() {
            invalidSend(json("{'id':'m1','name':'a.b','headers':['x']}"), "message.headers");
        }

        @ParameterizedTest
        @ValueSource(strings = {"\"false\"", "0", "[]"})
        void finalNotBoolean(String value) {
            ProtocolException e = invalidSend("{\"id\":\"m1\",\"name\":\"a.b\",\"responseTo\":\"c1\",\"final\":" + value + "}",
                    "message.final");
            assertEquals("m1", e.messageId());
        }

        @Test
        void responseToNotAString() {
            ProtocolException e = invalidSend(json("{'id':'m1','name':'a.b','responseTo':5}"), "message.responseTo");
            assertEquals("m1", e.messageId());
        }

        @Test
        void originIdTooLong() {
            invalidSend("{\"id\":\"m1\",\"name\":\"a.b\",\"originId\":\"" + "o".repeat(129) + "\"}", "message.originId");
        }

        @Test
        void senderNotAString() {
            invalidSend(json("{'id':'m1','name':'a.b','sender':false}"), "message.sender");
        }

        @Test
        void idIsOptionalWhenNotRequired() throws Exception {
            ObjectNode node = (ObjectNode) codec.mapper().readTree(json("{'name':'a.b'}"));
            Envelope e = codec.decodeEnvelope(node, false);
            assertNull(e.id());
            assertThrows(ProtocolException.class, () -> codec.decodeEnvelope(node, true));
        }
    }

    // ------------------------------------------------------------------ envelope details

    @Nested
    class Envelopes {
        private Envelope decode(String singleQuoted) throws Exception {
            return codec.decodeEnvelope((ObjectNode) codec.mapper().readTree(json(singleQuoted)), true);
        }

        @Test
        void payloadAbsentDecodesAsJsonNull() throws Exception {
            Envelope e = decode("{'name':'a.b','id':'m1'}");
            assertSame(NullNode.getInstance(), e.payload());
            assertEquals(NullNode.getInstance(), decode("{'name':'a.b','id':'m1','payload':null}").payload());
        }

        @Test
        void versionNumberOrString() throws Exception {
            assertEquals(IntNode.valueOf(2), decode("{'name':'a.b','id':'m1','version':2}").version());
            assertEquals(TextNode.valueOf("v2"), decode("{'name':'a.b','id':'m1','version':'v2'}").version());
            assertNull(decode("{'name':'a.b','id':'m1','version':null}").version());
        }

        @Test
        void unknownFieldsAreDropped() throws Exception {
            Envelope e = decode("{'name':'a.b','id':'m1','payload':1,'colour':'red','priority':9}");
            String written = codec.encodeEnvelope(e);
            JsonNode tree = codec.mapper().readTree(written);
            assertFalse(tree.has("colour"), written);
            assertFalse(tree.has("priority"), written);
            assertEquals(e, decode(written.replace('"', '\'')));
        }

        @Test
        void encodeEnvelopeOmitsUnsetFields() throws Exception {
            JsonNode tree = codec.mapper().readTree(codec.encodeEnvelope(Envelope.command("a.b", null)));
            List<String> fields = fieldNames(tree);
            assertEquals(List.of("name", "payload"), fields);
            assertTrue(tree.get("payload").isNull());
        }

        @Test
        void encodeEnvelopeWritesFinalOnlyOnReplies() throws Exception {
            Envelope command = Envelope.command("a.b", IntNode.valueOf(1)).withId("m1");
            assertFalse(codec.mapper().readTree(codec.encodeEnvelope(command)).has("final"));

            JsonNode last = codec.mapper().readTree(codec.encodeEnvelope(
                    Envelope.command("a.done", null).withId("r1").withResponseTo("m1", true)));
            assertTrue(last.get("final").isBoolean());
            assertTrue(last.get("final").asBoolean());

            JsonNode more = codec.mapper().readTree(codec.encodeEnvelope(
                    Envelope.command("a.progress", null).withId("r2").withResponseTo("m1", false)));
            assertFalse(more.get("final").asBoolean());
            assertEquals("m1", more.get("responseTo").asText());
        }

        @Test
        void encodeEnvelopeWritesEverySetField() throws Exception {
            Envelope e = new Envelope("a.b", TextNode.valueOf("1.2"), IntNode.valueOf(5), "m1", 123L, "o1", "c1", "web",
                    false, Map.of("traceparent", "00-abc"));
            JsonNode tree = codec.mapper().readTree(codec.encodeEnvelope(e));
            assertEquals(List.of("name", "version", "payload", "id", "timestamp", "originId", "responseTo", "sender",
                    "final", "headers"), fieldNames(tree));
            assertEquals(123L, tree.get("timestamp").asLong());
            assertEquals("00-abc", tree.get("headers").get("traceparent").asText());
        }

        @Test
        void acceptedDefaultsOriginIdToId() {
            Envelope e = Envelope.command("a.b", null).withId("m1").accepted(99L, "web");
            assertEquals("m1", e.originId());
            assertEquals(99L, e.timestamp());
            assertEquals("web", e.sender());
        }

        @Test
        void acceptedKeepsAGivenOriginId() {
            Envelope e = Envelope.command("a.b", null).withId("m2").withOriginId("m1").accepted(99L, "web");
            assertEquals("m1", e.originId());
            assertEquals("m2", e.id());
        }

        @Test
        void acceptedOverwritesSenderAndTimestamp() throws Exception {
            Envelope given = decode("{'name':'a.b','id':'m1','sender':'impostor','timestamp':5}");
            Envelope accepted = given.accepted(77L, "web");
            assertEquals("web", accepted.sender());
            assertEquals(77L, accepted.timestamp());
        }

        private static List<String> fieldNames(JsonNode tree) {
            List<String> names = new java.util.ArrayList<>();
            tree.fieldNames().forEachRemaining(names::add);
            return names;
        }
    }

    // ------------------------------------------------------------------ round trips

    @Nested
    class RoundTrips {
        private final Envelope full = new Envelope("transfer.pending", IntNode.valueOf(2),
                codecTree("{'amount':10,'to':['a','b']}"), "r1", 1_700_000_000_123_456_789L, "o1", "c1", "bank",
                false, Map.of("traceparent", "00-abc-01", "x-tenant", "t1"));

        private JsonNode codecTree(String singleQuoted) {
            try {
                return codec.mapper().readTree(json(singleQuoted));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }

        private Frame relay(Frame frame) {
            return codec.decodeRelayFrame(codec.encode(frame));
        }

        private Frame broker(Frame frame) {
            return codec.decodeBrokerFrame(codec.encode(frame));
        }

        @Test
        void register() {
            Frame full = new Frame.Register("web", "web-1", "secret", 16, List.of("a.b", "c.d"));
            assertEquals(full, relay(full));
            Frame bare = new Frame.Register("web", null, null, null, List.of());
            assertEquals(bare, relay(bare));
        }

        @Test
        void sendCommand() {
            Frame send = new Frame.Send(Envelope.command("todos.create", codecTree("{'text':'milk'}")).withId("m1"));
            assertEquals(send, relay(send));
        }

        @Test
        void sendReplyWithEveryField() {
            Frame send = new Frame.Send(full);
            assertEquals(send, relay(send));
        }

        @Test
        void sendFinalReply() {
            Frame send = new Frame.Send(Envelope.command("x.done", null).withId("r2").withResponseTo("c1", true)
                    .withVersion(TextNode.valueOf("v1")));
            assertEquals(send, relay(send));
        }

        @Test
        void ack() {
            assertEquals(new Frame.Ack("m1"), relay(new Frame.Ack("m1")));
        }

        @Test
        void nack() {
            assertEquals(new Frame.Nack("m1", false, "handler failed"), relay(new Frame.Nack("m1", false, "handler failed")));
            assertEquals(new Frame.Nack("m1", true, null), relay(new Frame.Nack("m1", true, null)));
        }

        @Test
        void registered() {
            Frame frame = new Frame.Registered("web", "web-1", List.of("a.b", "c.d"), List.of("e.f"));
            assertEquals(frame, broker(frame));
            Frame empty = new Frame.Registered("web", "web-1", List.of(), List.of());
            assertEquals(empty, broker(empty));
        }

        @Test
        void accepted() {
            Frame frame = new Frame.Accepted("m1", 1_700_000_000_123_456_789L);
            assertEquals(frame, broker(frame));
        }

        @Test
        void rejected() {
            for (ErrorCode code : ErrorCode.values()) {
                Frame frame = new Frame.Rejected("m1", code, "service web may not send a.b");
                assertEquals(frame, broker(frame));
            }
            Frame withoutId = new Frame.Rejected(null, ErrorCode.INVALID, "message.id is required");
            assertEquals(withoutId, broker(withoutId));
        }

        @Test
        void deliver() {
            Frame frame = new Frame.Deliver(full, 3);
            assertEquals(frame, broker(frame));
        }

        @Test
        void error() {
            for (ErrorCode code : ErrorCode.values()) {
                Frame frame = new Frame.Error(code, "something " + code.wire());
                assertEquals(frame, broker(frame));
            }
        }

        @Test
        void deliverFrameCarriesTheEnvelopeAndAttempt() throws Exception {
            String text = codec.encode(new Frame.Deliver(full, 4));
            JsonNode tree = codec.mapper().readTree(text);
            assertEquals("deliver", tree.get("type").asText());
            assertEquals(4, tree.get("attempt").asInt());
            Frame.Deliver deliver = assertInstanceOf(Frame.Deliver.class, codec.decodeBrokerFrame(text));
            assertEquals(4, deliver.attempt());
            assertEquals(full, deliver.message());
        }

        @Test
        void brokerDecoderRefusesUnknownTypesAndCodes() {
            invalid(() -> codec.decodeBrokerFrame(json("{'type':'register','service':'web'}")), "unknown frame type");
            assertEquals(ErrorCode.OTHER, ((Frame.Error) codec.decodeBrokerFrame(json("{'type':'error','code':'nope','message':'m'}"))).code(),
                    "a newer broker's code is read as OTHER, with its sentence");
            invalid(() -> codec.decodeBrokerFrame(json("{'type':'deliver','attempt':1}")), "deliver.message");
            invalid(() -> codec.decodeBrokerFrame("[]"), "JSON object");
        }
    }

    @Test
    void errorCodesHaveTheirWireNames() {
        assertEquals("queue-full", ErrorCode.QUEUE_FULL.wire());
        assertEquals(ErrorCode.NO_RECEIVERS, ErrorCode.fromWire("no-receivers"));
        assertEquals(ErrorCode.UNKNOWN_COMMAND, ErrorCode.fromWire("unknown-command"));
        assertThrows(IllegalArgumentException.class, () -> ErrorCode.fromWire("INVALID"));
    }
}
