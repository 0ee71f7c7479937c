package dev.fusedtrainer.tests.support;

import dev.fusedtrainer.tests.models.OptimizerModels_AdagradTrainer;
import dev.fusedtrainer.tests.models.OptimizerModels_AdamAmsgradTrainer;
import dev.fusedtrainer.tests.models.OptimizerModels_AdamTrainer;
import dev.fusedtrainer.tests.models.OptimizerModels_AdamWAmsgradTrainer;
import dev.fusedtrainer.tests.models.OptimizerModels_AdamWTrainer;
import dev.fusedtrainer.tests.models.OptimizerModels_PerLayerTrainer;
import dev.fusedtrainer.tests.models.OptimizerModels_RmspropCenteredTrainer;
import dev.fusedtrainer.tests.models.OptimizerModels_RmspropTrainer;
import dev.fusedtrainer.tests.models.OptimizerModels_SgdDampeningTrainer;
import dev.fusedtrainer.tests.models.OptimizerModels_SgdNesterovTrainer;
import dev.fusedtrainer.tests.models.OptimizerModels_SgdTrainer;
import java.util.List;

/** The trainers of {@code OptimizerModels}, one per update rule, by name. */
public final class OptimizerModelCases {
    private OptimizerModelCases() {
    }

    public record Case(String name, TrainerFactory factory) {
        @Override
        public String toString() {
            return name;
        }
    }

    public static final Case PER_LAYER = new Case("PerLayer(Adam, Adam, SGD, RMSprop, Adagrad)",
            (s, t, m, seed) -> OptimizerModels_PerLayerTrainer.builder().schedule(s).threads(t).maxBatch(m).seed(seed).build());

    public static List<Case> all() {
        return List.of(
                new Case("SGD", (s, t, m, seed) -> OptimizerModels_SgdTrainer.builder().schedule(s).threads(t).maxBatch(m).seed(seed).build()),
                new Case("SGD momentum+dampening+decay", (s, t, m, seed) -> OptimizerModels_SgdDampeningTrainer.builder().schedule(s).threads(t).maxBatch(m).seed(seed).build()),
                new Case("SGD Nesterov+decay", (s, t, m, seed) -> OptimizerModels_SgdNesterovTrainer.builder().schedule(s).threads(t).maxBatch(m).seed(seed).build()),
                new Case("Adam+decay", (s, t, m, seed) -> OptimizerModels_AdamTrainer.builder().schedule(s).threads(t).maxBatch(m).seed(seed).build()),
                new Case("Adam AMSGrad", (s, t, m, seed) -> OptimizerModels_AdamAmsgradTrainer.builder().schedule(s).threads(t).maxBatch(m).seed(seed).build()),
                new Case("AdamW", (s, t, m, seed) -> OptimizerModels_AdamWTrainer.builder().schedule(s).threads(t).maxBatch(m).seed(seed).build()),
                new Case("AdamW AMSGrad", (s, t, m, seed) -> OptimizerModels_AdamWAmsgradTrainer.builder().schedule(s).threads(t).maxBatch(m).seed(seed).build()),
                new Case("RMSprop", (s, t, m, seed) -> OptimizerModels_RmspropTrainer.builder().schedule(s).threads(t).maxBatch(m).seed(seed).build()),
                new Case("RMSprop centered+momentum", (s, t, m, seed) -> OptimizerModels_RmspropCenteredTrainer.builder().schedule(s).threads(t).maxBatch(m).seed(seed).build()),
                new Case("Adagrad lr_decay+initial accumulator", (s, t, m, seed) -> OptimizerModels_AdagradTrainer.builder().schedule(s).threads(t).maxBatch(m).seed(seed).build()),
                PER_LAYER);
    }
}
