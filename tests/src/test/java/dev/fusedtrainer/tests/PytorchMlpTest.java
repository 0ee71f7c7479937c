package dev.fusedtrainer.tests;

import static dev.fusedtrainer.tests.reference.ReferenceMlp.Dense.dense;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.tests.models.GradientModels_PytorchMlpTrainer;
import dev.fusedtrainer.tests.reference.ReferenceMlp;
import dev.fusedtrainer.tests.support.Close;
import dev.fusedtrainer.tests.support.Data;
import dev.fusedtrainer.tests.support.GradientProbe;
import dev.fusedtrainer.tests.support.ReferenceData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * mlp_softmax_ce.json: a 12 → 16 (ReLU) → 8 (tanh) → 5 network, batch 6, softmax cross-entropy,
 * with loss and every gradient computed by PyTorch 1.13 in float64.
 */
class PytorchMlpTest {
    private static final JsonNode MLP = ReferenceData.load("mlp_softmax_ce.json");
    private static final ReferenceMlp NETWORK = new ReferenceMlp(12, Loss.SOFTMAX_CROSS_ENTROPY,
            dense(16, Activation.RELU), dense(8, Activation.TANH), dense(5, Activation.IDENTITY));

    private static double[][] layers(String weight, String bias) {
        double[][] layers = new double[3][];
        for (int l = 0; l < 3; l++) {
            JsonNode layer = MLP.get("layers").get(l);
            layers[l] = Data.concat(ReferenceData.flat(layer.get(weight)), ReferenceData.vector(layer.get(bias)));
        }
        return layers;
    }

    private static int[] labels() {
        JsonNode node = MLP.get("labels");
        int[] labels = new int[node.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = node.get(i).asInt();
        }
        return labels;
    }

    /** The double-precision reference reproduces PyTorch in float64 to rounding: it is a valid spec. */
    @Test
    void referenceMatchesPytorch() {
        ReferenceMlp.Result result = NETWORK.run(layers("weight", "bias"), ReferenceData.flat(MLP.get("input")), 6,
                labels(), null);
        Close.assertClose("loss", MLP.get("loss").asDouble(), result.loss(), 1e-13, 0);
        Close.assertClose("logits", ReferenceData.flat(MLP.get("logits")), result.outputs(), 1e-13, 0);
        double[][] gradients = layers("weight_grad", "bias_grad");
        for (int l = 0; l < 3; l++) {
            Close.assertClose("layer " + l + " gradient", gradients[l], result.gradients()[l], 1e-13, 0);
        }
    }

    @ParameterizedTest
    @EnumSource(Schedule.class)
    void trainerMatchesPytorchLossLogitsAndGradients(Schedule schedule) {
        float[] input = Data.toFloat(ReferenceData.flat(MLP.get("input")));
        try (var trainer = GradientModels_PytorchMlpTrainer.builder().schedule(schedule).maxBatch(6).build()) {
            GradientProbe.setParametersByLayer(trainer, layers("weight", "bias"));
            double[][] before = GradientProbe.parametersByLayer(trainer);  // PyTorch's weights rounded to float

            // float32 weights and inputs perturb the logits by ~1e-7 relative: 1e-5 has a wide margin
            Close.assertClose("logits", ReferenceData.flat(MLP.get("logits")), Data.toDouble(trainer.predict(input)),
                    1e-5, 1e-5);
            float loss = trainer.step(input, labels());
            Close.assertClose("loss", MLP.get("loss").asDouble(), loss, 0, 1e-5);

            double[][] gradient = GradientProbe.difference(before, GradientProbe.parametersByLayer(trainer));
            double[][] expected = layers("weight_grad", "bias_grad");
            for (int l = 0; l < 3; l++) {
                GradientProbe.assertGradient(schedule + ", layer " + l, expected[l], gradient[l], before[l]);
            }
        }
    }
}
