package dev.fusedtrainer.samples.fashion;

import dev.fusedtrainer.annotations.Schedule;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What decides a run's trajectory. A checkpoint stores these and a resumed run must use the same
 * values, or it would not continue the same run. {@code threads} is not among them: it changes
 * speed, and (through floating-point summation order in the kernels) only the last bits.
 *
 * @param learningRate the learning rate of the first epoch: the annotated one unless overridden with --lr
 * @param lrDecay      the learning rate is multiplied by this after every epoch (1 = constant)
 */
public record RunSettings(ModelVariant model, Schedule schedule, int batchSize, double learningRate, double lrDecay,
                          long seed) {

    public RunSettings {
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
        }
        if (!(lrDecay > 0 && lrDecay <= 1)) {
            throw new IllegalArgumentException("--lr-decay must be in (0, 1], got " + lrDecay);
        }
    }

    /** The learning rate of epoch {@code epoch} (0-based): {@code learningRate · lrDecay^epoch}. */
    public double learningRate(int epoch) {
        return learningRate * Math.pow(lrDecay, epoch);
    }

    /** Whether training needs the run-time override of the annotated learning rate at all. */
    public boolean overridesLearningRate() {
        return learningRate != model.annotatedLearningRate() || lrDecay != 1;
    }

    Map<String, String> toMap() {
        Map<String, String> map = new LinkedHashMap<>();
        map.put("model", model.architecture());
        map.put("optimizer", model.optimizerName());
        map.put("schedule", schedule.name().toLowerCase());
        map.put("batch-size", Integer.toString(batchSize));
        map.put("lr", Double.toString(learningRate));
        map.put("lr-decay", Double.toString(lrDecay));
        map.put("seed", Long.toString(seed));
        return map;
    }

    static RunSettings fromMap(Map<String, String> map) {
        // checkpoints from before --model existed hold an MLP
        return new RunSettings(ModelVariant.of(map.get("model"), map.get("optimizer")),
                Schedule.valueOf(map.get("schedule").toUpperCase()), Integer.parseInt(map.get("batch-size")),
                Double.parseDouble(map.get("lr")), Double.parseDouble(map.get("lr-decay")),
                Long.parseLong(map.get("seed")));
    }
}
