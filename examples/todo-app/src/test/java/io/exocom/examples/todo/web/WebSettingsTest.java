package io.exocom.examples.todo.web;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PORT and HOST_BIND of the web service: loopback unless told otherwise, and bad values named. */
class WebSettingsTest {

    @Test
    void listensOnLoopbackPort3000UnlessToldOtherwise() {
        InetSocketAddress address = WebSettings.fromEnvironment(Map.of()).address();
        assertTrue(address.getAddress().isLoopbackAddress(), address.toString());
        assertEquals(3000, address.getPort());
        assertEquals("http://127.0.0.1:3000 (this machine only; HOST_BIND=0.0.0.0 lets other machines in)",
                WebSettings.describe(address));
    }

    @Test
    void hostBindZerosListensOnEveryInterface() {
        InetSocketAddress address = WebSettings.fromEnvironment(Map.of("HOST_BIND", "0.0.0.0", "PORT", "8080"))
                .address();
        assertTrue(address.getAddress().isAnyLocalAddress(), address.toString());
        assertEquals("http://0.0.0.0:8080 (every network interface: other machines can reach it)",
                WebSettings.describe(address));
    }

    @Test
    void aBadPortIsNamedWithWhatIsAccepted() {
        for (String port : new String[]{"abc", "70000", "-1"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> WebSettings.fromEnvironment(Map.of("PORT", port)));
            assertEquals("PORT must be a port number from 0 to 65535 (0: any free port), not \"" + port + "\"",
                    e.getMessage());
        }
    }

    @Test
    void aBindAddressThatIsNoAddressIsNamedWithWhatIsAccepted() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WebSettings.fromEnvironment(Map.of("HOST_BIND", "300.1.2.3.4")));
        assertEquals("HOST_BIND must be an address of this machine to listen on, such as 127.0.0.1 (this machine "
                + "only) or 0.0.0.0 (every network interface), not \"300.1.2.3.4\"", e.getMessage());
    }
}
