package dev.fusedtrainer.benchmarks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Times several training steps side by side: a warm-up for each, then rounds in which each runs the same number of
 * steps, in an order that rotates every round, so that the machine's drift hits all of them alike. One sample per
 * round and contender: its milliseconds per step.
 */
final class RotatingRounds {
    private RotatingRounds() {
    }

    static <K> Map<K, List<Double>> time(Map<K, Runnable> contenders, int warmupSteps, int rounds, int steps) {
        List<K> order = new ArrayList<>(contenders.keySet());
        Map<K, List<Double>> perStepMs = new LinkedHashMap<>();
        for (K k : order) {
            perStepMs.put(k, new ArrayList<>());
            for (int i = 0; i < warmupSteps; i++) {
                contenders.get(k).run();  // caches, page faults, the JIT
            }
        }
        for (int round = 0; round < rounds; round++) {
            for (int j = 0; j < order.size(); j++) {
                K k = order.get((round + j) % order.size());
                Runnable step = contenders.get(k);
                long start = System.nanoTime();
                for (int i = 0; i < steps; i++) {
                    step.run();
                }
                perStepMs.get(k).add((System.nanoTime() - start) / 1e6 / steps);
            }
        }
        return perStepMs;
    }

    static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return Stats.median(sorted);
    }

    static double min(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    }

    static double max(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    }
}
