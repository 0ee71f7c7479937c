package dev.fusedtrainer.runtime;

import dev.fusedtrainer.annotations.LrSchedule;
import dev.fusedtrainer.annotations.LrScheduleKind;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The factor each layer's learning rate is multiplied by at every optimizer update: the run-time form of
 * {@link LrSchedule}, with the same rules (see {@link LrScheduleKind}). Immutable; the factories check their
 * arguments and name the one that is wrong.
 *
 * <pre>{@code
 * trainer.setLearningRateSchedule(LearningRateSchedule.cosine(9000, 0).withWarmup(500, 0.01));
 * }</pre>
 */
public final class LearningRateSchedule {
    private static final LearningRateSchedule CONSTANT = new LearningRateSchedule(LrScheduleKind.CONSTANT, 0, 1, 0, 0, 0, 1);

    private final LrScheduleKind kind;
    private final long stepSize;
    private final double gamma;
    private final long decaySteps;
    private final double minFactor;
    private final long warmupSteps;
    private final double warmupStartFactor;

    private LearningRateSchedule(LrScheduleKind kind, long stepSize, double gamma, long decaySteps, double minFactor,
                                 long warmupSteps, double warmupStartFactor) {
        this.kind = kind;
        this.stepSize = stepSize;
        this.gamma = gamma;
        this.decaySteps = decaySteps;
        this.minFactor = minFactor;
        this.warmupSteps = warmupSteps;
        this.warmupStartFactor = warmupStartFactor;
    }

    /** Factor 1 at every update. */
    public static LearningRateSchedule constant() {
        return CONSTANT;
    }

    /** {@code gamma ^ floor(u / stepSize)}: PyTorch's {@code StepLR}. */
    public static LearningRateSchedule step(long stepSize, double gamma) {
        positive("stepSize", stepSize);
        decay(gamma);
        return new LearningRateSchedule(LrScheduleKind.STEP, stepSize, gamma, 0, 0, 0, 1);
    }

    /** {@code gamma ^ u}: PyTorch's {@code ExponentialLR}. */
    public static LearningRateSchedule exponential(double gamma) {
        decay(gamma);
        return new LearningRateSchedule(LrScheduleKind.EXPONENTIAL, 0, gamma, 0, 0, 0, 1);
    }

    /** Half a cosine from 1 to {@code minFactor} over {@code decaySteps} updates, then {@code minFactor}. */
    public static LearningRateSchedule cosine(long decaySteps, double minFactor) {
        positive("decaySteps", decaySteps);
        if (!(minFactor >= 0 && minFactor <= 1)) {
            throw new IllegalArgumentException("minFactor must be in [0, 1], got " + minFactor);
        }
        return new LearningRateSchedule(LrScheduleKind.COSINE, 0, 1, decaySteps, minFactor, 0, 1);
    }

    /**
     * This schedule after a linear warm-up of {@code steps} updates from {@code startFactor} (PyTorch's
     * {@code LinearLR} then this, chained by {@code SequentialLR}); {@code steps} 0 removes the warm-up.
     */
    public LearningRateSchedule withWarmup(long steps, double startFactor) {
        if (steps < 0) {
            throw new IllegalArgumentException("warm-up steps must be >= 0, got " + steps);
        }
        if (!(startFactor > 0 && startFactor <= 1)) {
            throw new IllegalArgumentException("the warm-up's start factor must be in (0, 1], got " + startFactor);
        }
        return new LearningRateSchedule(kind, stepSize, gamma, decaySteps, minFactor, steps, steps == 0 ? 1 : startFactor);
    }

    /** The schedule a {@link LrSchedule} declares (elements its kind does not use are ignored here). */
    public static LearningRateSchedule of(LrScheduleKind kind, long stepSize, double gamma, long decaySteps,
                                          double minFactor, long warmupSteps, double warmupStartFactor) {
        LearningRateSchedule base = switch (kind) {
            case CONSTANT -> CONSTANT;
            case STEP -> step(stepSize, gamma);
            case EXPONENTIAL -> exponential(gamma);
            case COSINE -> cosine(decaySteps, minFactor);
        };
        return base.withWarmup(warmupSteps, warmupStartFactor);
    }

    /** The factor of update {@code t}, counted from 0 (the number of updates before it). */
    public double factor(long t) {
        if (t < 0) {
            throw new IllegalArgumentException("update index must be >= 0, got " + t);
        }
        if (t < warmupSteps) {
            return warmupStartFactor + (1 - warmupStartFactor) * t / warmupSteps;
        }
        long u = t - warmupSteps;
        return switch (kind) {
            case CONSTANT -> 1;
            case STEP -> Math.pow(gamma, u / stepSize);
            case EXPONENTIAL -> Math.pow(gamma, u);
            case COSINE -> u >= decaySteps ? minFactor
                    : minFactor + (1 - minFactor) * (1 + Math.cos(Math.PI * u / decaySteps)) / 2;
        };
    }

    public LrScheduleKind kind() {
        return kind;
    }

    public long warmupSteps() {
        return warmupSteps;
    }

    /** The canonical text form, e.g. {@code COSINE decaySteps=9000 minFactor=0.0 warmupSteps=500 warmupStartFactor=0.01}. */
    public String encode() {
        Map<String, Object> fields = fields();
        StringBuilder s = new StringBuilder(kind.name());
        fields.forEach((name, value) -> s.append(' ').append(name).append('=').append(value));
        return s.toString();
    }

    /** Reads {@link #encode()}'s form back. */
    public static LearningRateSchedule parse(String text) {
        String[] words = text.trim().split("\\s+");
        LrScheduleKind kind;
        try {
            kind = LrScheduleKind.valueOf(words[0].toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown learning-rate schedule '" + words[0] + "' in '" + text
                    + "'; the kinds are " + java.util.Arrays.toString(LrScheduleKind.values()));
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 1; i < words.length; i++) {
            int eq = words[i].indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected name=value, got '" + words[i] + "' in '" + text + "'");
            }
            values.put(words[i].substring(0, eq), words[i].substring(eq + 1));
        }
        try {
            LearningRateSchedule s = of(kind, (long) number(values, "stepSize", 0), number(values, "gamma", 1),
                    (long) number(values, "decaySteps", 0), number(values, "minFactor", 0),
                    (long) number(values, "warmupSteps", 0), number(values, "warmupStartFactor", 1));
            if (!s.fields().keySet().containsAll(values.keySet())) {
                values.keySet().removeAll(s.fields().keySet());
                throw new IllegalArgumentException(kind + " takes no " + values.keySet());
            }
            return s;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad learning-rate schedule '" + text + "': " + e.getMessage(), e);
        }
    }

    private static double number(Map<String, String> values, String name, double fallback) {
        String v = values.get(name);
        return v == null ? fallback : Double.parseDouble(v);
    }

    private Map<String, Object> fields() {
        Map<String, Object> f = new LinkedHashMap<>();
        switch (kind) {
            case STEP -> {
                f.put("stepSize", stepSize);
                f.put("gamma", gamma);
            }
            case EXPONENTIAL -> f.put("gamma", gamma);
            case COSINE -> {
                f.put("decaySteps", decaySteps);
                f.put("minFactor", minFactor);
            }
            default -> { }
        }
        if (warmupSteps > 0) {
            f.put("warmupSteps", warmupSteps);
            f.put("warmupStartFactor", warmupStartFactor);
        }
        return f;
    }

    private static void positive(String name, long value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + value);
        }
    }

    private static void decay(double gamma) {
        if (!(gamma > 0 && gamma <= 1)) {
            throw new IllegalArgumentException("gamma must be in (0, 1], got " + gamma);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LearningRateSchedule s && s.encode().equals(encode());
    }

    @Override
    public int hashCode() {
        return Objects.hash(encode());
    }

    @Override
    public String toString() {
        return encode();
    }
}
