package io.exocom.broker.transport;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.exocom.broker.BrokerRuntime;
import io.exocom.broker.core.Broker;
import io.exocom.broker.core.Instance;
import io.exocom.broker.core.Outbound;
import io.exocom.broker.routing.DevelopmentRouting;
import io.exocom.broker.routing.RoutingPolicy;
import io.exocom.protocol.ErrorCode;
import io.exocom.protocol.Frame;
import io.exocom.protocol.FrameCodec;
import io.exocom.protocol.Limits;
import io.exocom.protocol.ProtocolException;
import org.jboss.logging.Logger;

import java.util.UUID;

/**
 * The protocol state of one relay connection: unregistered until a valid {@code register}, then bound to one
 * {@link Instance}. Frames of one connection arrive one at a time on its event loop, so no locking is needed here.
 * Nothing a client sends escapes as an exception: every problem becomes an {@code error} or {@code rejected} frame
 * and the connection stays open, except a failed registration, which PROTOCOL.md §3 closes.
 */
final class RelaySession {
    private static final Logger LOG = Logger.getLogger(RelaySession.class);
    static final int CLOSE_UNAUTHENTICATED = 4401;
    static final int CLOSE_UNKNOWN_SERVICE = 4403;
    static final int CLOSE_REPLACED = 4409;

    private final BrokerRuntime runtime;
    private final Broker broker;
    private final FrameCodec codec;
    private final String connectionId;
    private final Outbound out;
    private final int maxFrameSize;
    private Instance instance;

    RelaySession(BrokerRuntime runtime, String connectionId, Outbound out) {
        this.runtime = runtime;
        this.broker = runtime.broker();
        this.codec = runtime.codec();
        this.connectionId = connectionId;
        this.out = out;
        this.maxFrameSize = runtime.config().maxFrameSize();
    }

    void onText(String text) {
        ObjectNode frame = null;
        try {
            if (isTooLarge(text)) {
                refuseTooLarge(text);
                return;
            }
            String ackId = instance == null ? null : FrameCodec.plainAckId(text);
            if (ackId != null) {
                ack(ackId);
                return;
            }
            frame = codec.parseObjectKeepingPayload(text); // payloads pass through as the text they came as
            handle(codec.decodeRelayFrame(frame));
        } catch (ProtocolException problem) {
            answer(frame, problem);
        } catch (RuntimeException bug) {
            LOG.errorf(bug, "could not handle a frame from %s", who());
            answer(frame, new ProtocolException(ErrorCode.INVALID, "ExoCom could not handle this frame: " + bug));
        }
    }

    void onBinary() {
        error(ErrorCode.INVALID, "binary frames are not part of the ExoCom protocol: send each frame as JSON text");
    }

    void onClose() {
        if (instance != null) {
            if (broker.unregister(instance)) {
                LOG.infof("%s disconnected", instance);
            }
            instance = null;
        }
    }

    private void handle(Frame frame) {
        if (frame instanceof Frame.Register register) {
            register(register);
            return;
        }
        if (instance == null) {
            throw new ProtocolException(ErrorCode.NOT_REGISTERED, "send a register frame first: "
                    + frame.type() + " is only allowed after a successful registration");
        }
        if (frame instanceof Frame.Send send) {
            long timestamp = broker.accept(instance.service(), instance.id(), send.message());
            out.send(codec.encode(new Frame.Accepted(send.message().id(), timestamp)));
        } else if (frame instanceof Frame.Ack ack) {
            ack(ack.id());
        } else if (frame instanceof Frame.Nack nack) {
            if (!broker.nack(instance, nack.id(), nack.requeue(), nack.reason())) {
                LOG.debugf("%s nacked %s, which it does not hold", instance, nack.id());
            }
        }
    }

    private void ack(String id) {
        if (!broker.ack(instance, id)) {
            LOG.debugf("%s acked %s, which it does not hold (already redelivered or acked)", instance, id);
        }
    }

    private void register(Frame.Register register) {
        if (instance != null) {
            throw new ProtocolException(ErrorCode.INVALID, "this connection is already registered as " + instance
                    + "; open another connection for another instance");
        }
        String service = register.service();
        if (!Limits.isValidServiceName(service)) {
            throw new ProtocolException(ErrorCode.INVALID, "register.service \"" + service + "\" is not a service name: use 1-"
                    + Limits.MAX_SERVICE_NAME_LENGTH + " letters, digits, '.', '_' or '-'");
        }
        if (!runtime.tokens().proves(service, register.token())) {
            refuseRegistration(ErrorCode.UNAUTHENTICATED, CLOSE_UNAUTHENTICATED, "the token given for service " + service
                    + " is missing or wrong: set EXOCOM_TOKEN (or EXOCOM_TOKEN_FILE) of the relay to the service's token");
            return;
        }
        RoutingPolicy routes = broker.routing();
        if (!routes.isKnownService(service)) {
            refuseRegistration(ErrorCode.UNKNOWN_SERVICE, CLOSE_UNKNOWN_SERVICE, "service " + service
                    + " is not in the routes: declare it (an ExoService) before starting its instances");
            return;
        }
        String instanceId = register.instance() != null ? register.instance()
                : service + "-" + UUID.randomUUID().toString().substring(0, 8);
        if (!Limits.isValidId(instanceId) || !Limits.isValidName(instanceId)) {
            throw new ProtocolException(ErrorCode.INVALID, "register.instance must be 1-" + Limits.MAX_ID_LENGTH
                    + " characters without control characters");
        }
        int prefetch = register.prefetch() == null ? Limits.DEFAULT_PREFETCH : register.prefetch();
        int maxPrefetch = runtime.config().maxPrefetch();
        if (prefetch > maxPrefetch) {
            throw new ProtocolException(ErrorCode.INVALID, "register.prefetch " + prefetch + " is above this broker's "
                    + "maximum of " + maxPrefetch);
        }
        if (routes instanceof DevelopmentRouting development) {
            development.learn(service, register.receives());
        }
        Instance registered = new Instance(service, instanceId, prefetch, out);
        instance = registered;
        Instance replaced = broker.register(registered, () -> out.send(codec.encode(new Frame.Registered(service,
                instanceId, routes.sendsOf(service), routes.receivesOf(service)))));
        if (replaced != null) {
            LOG.warnf("%s registered again on a new connection; closing the old one", registered);
            replaced.outbound().close(CLOSE_REPLACED, "replaced by a newer connection of instance " + instanceId);
        }
        LOG.infof("%s registered (prefetch %d)", registered, prefetch);
    }

    private void refuseRegistration(ErrorCode code, int closeCode, String message) {
        LOG.warnf("registration refused on connection %s: %s", connectionId, message);
        error(code, message);
        out.close(closeCode, code.wire());
    }

    private boolean isTooLarge(String text) {
        return text.length() > maxFrameSize
                || (text.length() > maxFrameSize / 3 && Limits.utf8Length(text) > maxFrameSize);
    }

    private void refuseTooLarge(String text) {
        String problem = "the frame is larger than this broker's limit of " + maxFrameSize
                + " bytes: send large data by reference (a URL or a storage key) instead";
        ObjectNode frame;
        try {
            frame = codec.parseObject(text);
        } catch (ProtocolException notJson) {
            error(ErrorCode.TOO_LARGE, problem);
            return;
        }
        answer(frame, new ProtocolException(ErrorCode.TOO_LARGE, problem));
    }

    /** A problem with a send is answered {@code rejected} (the relay waits for it); anything else {@code error}. */
    private void answer(ObjectNode frame, ProtocolException problem) {
        boolean isSend = frame != null && "send".equals(frame.path("type").asText()) && instance != null;
        if (isSend) {
            String id = problem.messageId() != null ? problem.messageId() : FrameCodec.idOf(frame.get("message"));
            out.send(codec.encode(new Frame.Rejected(id, problem.code(), problem.getMessage())));
            if (problem.code() != ErrorCode.INVALID && problem.code() != ErrorCode.TOO_LARGE) {
                return; // routing rejections were logged by the broker
            }
        } else {
            error(problem.code(), problem.getMessage());
        }
        LOG.warnf("%s from %s: %s", problem.code().wire(), who(), problem.getMessage());
    }

    private void error(ErrorCode code, String message) {
        out.send(codec.encode(new Frame.Error(code, message)));
    }

    private String who() {
        return instance != null ? instance.toString() : "unregistered connection " + connectionId;
    }
}
