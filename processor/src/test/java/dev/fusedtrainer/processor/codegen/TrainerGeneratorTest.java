package dev.fusedtrainer.processor.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.processor.model.LayerSpec;
import dev.fusedtrainer.processor.model.ModelSpec;
import dev.fusedtrainer.processor.model.OptimizerSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The generator on a hand-built model, without javac: the model records are all it needs. */
class TrainerGeneratorTest {
    private static final OptimizerSpec ADAM = optimizer(OptimizerKind.ADAM, Map.of("lr", 1e-3));
    private static final OptimizerSpec SGD = optimizer(OptimizerKind.SGD, Map.of("lr", 0.1, "momentum", 0.9));

    private static final ModelSpec MODEL = new ModelSpec("demo", List.of("Mlp"), List.of(4), Loss.SOFTMAX_CROSS_ENTROPY,
            Schedule.BACKWARD, List.of(
                    LayerSpec.dense("hidden", 4, 8, Activation.RELU, 0.01, ADAM),
                    LayerSpec.dense("mixer", 8, 8, Activation.TANH, 0.01, SGD),
                    LayerSpec.dense("logits", 8, 3, Activation.IDENTITY, 0.01, ADAM)), 1 << 20, 0, 1, 0);

    private static OptimizerSpec optimizer(OptimizerKind kind, Map<String, Double> explicit) {
        Map<String, Double> values = new LinkedHashMap<>(kind.defaults());
        values.putAll(explicit);
        return new OptimizerSpec(kind, values);
    }

    @Test
    void eachLayersFusedUpdateFollowsItsActivationBackwardInStepBackwardFused() {
        List<String> body = statements(methodBody(new TrainerGenerator(MODEL).generate().toString(), "stepBackwardFused"));

        // backward runs from the last layer to the first, each layer updated with its own optimizer right
        // after its pre-activation gradient exists; the identity output layer has no activation backward
        int loss = indexOf(body, "float loss = lossAndGradient(batch);");
        int logitsUpdate = indexOf(body, "backend.denseBackwardFused(logitsHyper, step, logitsDy, mixerY, mixerDy,");
        int mixerActivation = indexOf(body, "backend.activationBackward(Activation.TANH.ordinal(), 0.01f, mixerZ,");
        int mixerUpdate = indexOf(body, "backend.denseBackwardFused(mixerHyper, step, mixerDy, hiddenY, hiddenDy,");
        int hiddenActivation = indexOf(body, "backend.activationBackward(Activation.RELU.ordinal(), 0.01f, hiddenZ,");
        int hiddenUpdate = indexOf(body, "backend.denseBackwardFused(hiddenHyper, step, hiddenDy, input, null,");
        int complete = indexOf(body, "core.completeStep();");

        assertEquals(loss + 2, logitsUpdate, "logits, after the loss gradient and the step counter: " + body);
        assertEquals(mixerActivation + 1, mixerUpdate, "mixer's update right after its activation backward: " + body);
        assertEquals(logitsUpdate + 1, mixerActivation, body.toString());
        assertEquals(hiddenActivation + 1, hiddenUpdate, "hidden's update right after its activation backward: " + body);
        assertEquals(mixerUpdate + 1, hiddenActivation, body.toString());
        assertEquals(hiddenUpdate + 1, complete, body.toString());
        assertFalse(body.stream().anyMatch(s -> s.contains("activationBackward(Activation.IDENTITY")), body.toString());
        assertFalse(body.stream().anyMatch(s -> s.contains("optimUpdate")), "no separate update pass: " + body);
    }

    @Test
    void theFusedUpdateStatesItsLayerShapesAndScheduleInAComment() {
        String body = methodBody(new TrainerGenerator(MODEL).generate().toString(), "stepBackwardFused");
        assertTrue(body.contains("// mixer: W[8,8], b[8] ← SGD(dzᵀ·x, Σdz) fused right after the layer's gradient, "
                + "dx = dz·W with the old W first  [BACKWARD]\n        backend.denseBackwardFused(mixerHyper"), body);
        assertTrue(body.contains("// hidden: W[8,4], b[8] ← ADAM(dzᵀ·x, Σdz) fused right after the layer's gradient, "
                + "first layer: no dx  [BACKWARD]"), body);
    }

    @Test
    void clippingRunsAfterTheWholeBackwardAndBeforeAnyUpdateAndBackwardIsRefused() {
        ModelSpec clipped = new ModelSpec("demo", List.of("Mlp"), List.of(4), Loss.SOFTMAX_CROSS_ENTROPY, Schedule.FORWARD,
                MODEL.layers(), 1 << 20, 0.3, 1, 0);
        String text = new TrainerGenerator(clipped).generate().toString();
        List<String> unfused = statements(methodBody(text, "stepUnfused"));
        assertEquals(indexOf(unfused, "backward(batch);") + 1, indexOf(unfused, "core.clipGradientNorm(0.3);"), unfused.toString());
        assertEquals(indexOf(unfused, "core.clipGradientNorm(0.3);") + 1, indexOf(unfused, "update(core.beginUpdate(core.completeStep()));"),
                unfused.toString());
        List<String> forward = statements(methodBody(text, "stepForwardFused"));
        assertEquals(indexOf(forward, "backward(batch);") + 1, indexOf(forward, "core.clipGradientNorm(0.3);"), forward.toString());
        assertTrue(text.contains("if (builder.schedule == Schedule.BACKWARD) {"), text);
        assertFalse(new TrainerGenerator(MODEL).generate().toString().contains("clipGradientNorm"), "no clipping asked");
    }

    @Test
    void accumulationEndsMidCycleStepsBeforeClippingAndTheUpdate() {
        ModelSpec accumulated = new ModelSpec("demo", List.of("Mlp"), List.of(4), Loss.SOFTMAX_CROSS_ENTROPY, Schedule.UNFUSED,
                MODEL.layers(), 1 << 20, 0.3, 3, 0);
        String text = new TrainerGenerator(accumulated).generate().toString();
        for (String method : List.of("stepUnfused", "stepForwardFused")) {
            String body = methodBody(text, method);
            int backward = body.indexOf("backward(batch);");
            int accumulate = body.indexOf("if (!core.accumulate(3)) {\n            return loss;");
            int clip = body.indexOf("core.clipGradientNorm(0.3);");
            int complete = body.indexOf("core.completeStep()");
            assertTrue(backward >= 0 && backward < accumulate && accumulate < clip && clip < complete, method + ":\n" + body);
        }
        assertTrue(text.contains("accumulates gradients over 3 micro-batches"), text);
    }

    @Test
    void generationIsPureAndRepeatable() {
        assertEquals(new TrainerGenerator(MODEL).generate().toString(), new TrainerGenerator(MODEL).generate().toString());
    }

    @Test
    void aNestedModelGetsATopLevelTrainerThatExtendsItByItsQualifiedName() {
        ModelSpec nested = new ModelSpec("demo", List.of("Outer", "Inner"), List.of(4), Loss.MEAN_SQUARED_ERROR,
                Schedule.UNFUSED, List.of(LayerSpec.dense("out", 4, 1, Activation.IDENTITY, 0.01, ADAM)), 1 << 20, 0, 1, 0);
        String text = new TrainerGenerator(nested).generate().toString();
        assertTrue(text.contains("public final class Outer_InnerTrainer extends Outer.Inner implements Trainer {"), text);
    }

    /** The text between the method's opening line and its closing brace at member indentation. */
    private static String methodBody(String source, String method) {
        int start = source.indexOf("private float " + method + "(int batch) {\n");
        assertTrue(start >= 0, method + " in\n" + source);
        int end = source.indexOf("\n    }\n", start);
        return source.substring(source.indexOf('\n', start) + 1, end + 1);
    }

    /** The statements of a body, comments and blank lines left out, wrapped lines joined, trimmed. */
    private static List<String> statements(String body) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : body.split("\n")) {
            String s = line.strip();
            if (s.isEmpty() || s.startsWith("//")) {
                continue;
            }
            current.append(current.length() == 0 ? "" : " ").append(s);
            if (s.endsWith(";") || s.endsWith("{") || s.endsWith("}")) {
                statements.add(current.toString());
                current.setLength(0);
            }
        }
        return statements;
    }

    private static int indexOf(List<String> statements, String prefix) {
        for (int i = 0; i < statements.size(); i++) {
            if (statements.get(i).startsWith(prefix)) {
                return i;
            }
        }
        throw new AssertionError("no statement starting with '" + prefix + "' in " + statements);
    }
}
