package io.exocom.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** What one scenario measured for one system: named figures in a fixed order, or the reason it failed. */
final class Result {
    final String scenario;
    final String payload;
    final String system;
    final Map<String, Double> figures = new LinkedHashMap<>();
    String failure;

    Result(String scenario, String payload, String system) {
        this.scenario = scenario;
        this.payload = payload;
        this.system = system;
    }

    Result put(String name, double value) {
        figures.put(name, value);
        return this;
    }
}
