package io.exocom.broker.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Routing without configured routes, for trying ExoCom out: any service may register and send any name, and a
 * command goes to every service whose latest {@code register} frame listed its name in {@code receives}. What a
 * service declared is remembered after its instances disconnect, so its commands queue until it is back.
 */
public final class DevelopmentRouting implements RoutingPolicy {
    /** A registered frame reports this as the sends of every service: anything may be sent. */
    public static final String ANYTHING = "*";

    private final Map<String, Set<String>> receivesByService = new ConcurrentHashMap<>();
    private volatile Map<String, List<String>> receiversByName = Map.of();

    /** Records what a registering service declared it receives. */
    public synchronized void learn(String service, List<String> receives) {
        Set<String> declared = Set.copyOf(receives);
        if (declared.equals(receivesByService.get(service))) {
            return;
        }
        receivesByService.put(service, declared);
        Map<String, List<String>> index = new ConcurrentHashMap<>();
        new TreeSet<>(receivesByService.keySet()).forEach(s ->
                receivesByService.get(s).forEach(name -> index.computeIfAbsent(name, n -> new ArrayList<>()).add(s)));
        index.replaceAll((name, services) -> List.copyOf(services));
        receiversByName = index;
    }

    @Override
    public String mode() {
        return "development";
    }

    @Override
    public boolean isKnownService(String service) {
        return true;
    }

    @Override
    public boolean maySend(String service, String name) {
        return true;
    }

    @Override
    public List<String> receiversOf(String name) {
        return receiversByName.getOrDefault(name, List.of());
    }

    @Override
    public List<String> sendsOf(String service) {
        return List.of(ANYTHING);
    }

    @Override
    public List<String> receivesOf(String service) {
        Set<String> receives = receivesByService.get(service);
        return receives == null ? List.of() : new ArrayList<>(new TreeSet<>(receives));
    }

    /** The services that declared receives so far, for the routes view. */
    public Map<String, List<String>> declared() {
        Map<String, List<String>> view = new java.util.TreeMap<>();
        receivesByService.forEach((service, names) -> view.put(service, new ArrayList<>(new TreeSet<>(names))));
        return view;
    }
}
