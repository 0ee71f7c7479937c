package dev.fusedtrainer.tests.support;

import dev.fusedtrainer.tests.models.OptimizerModels_AdagradTrainer;
import dev.fusedtrainer.tests.models.OptimizerModels_AdamAmsgradTrainer;
import dev.fusedtrainer.tests.models.OptimizerModels_AdamaxTrainer;
import dev.fusedtrainer.tests.models.OptimizerModels_AdamTrainer;
import dev.fusedtrainer.tests.models.OptimizerModels_AdamWAmsgradTrainer;
import dev.fusedtrainer.tests.models.OptimizerModels_AdamWTrainer;
import dev.fusedtrainer.tests.models.OptimizerModels_LambTrainer;
import dev.fusedtrainer.tests.models.OptimizerModels_LarsTrainer;
import dev.fusedtrainer.tests.models.OptimizerModels_NadamTrainer;
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
            TrainerFactory.of(OptimizerModels_PerLayerTrainer.class));

    public static List<Case> all() {
        return List.of(
                new Case("SGD", TrainerFactory.of(OptimizerModels_SgdTrainer.class)),
                new Case("SGD momentum+dampening+decay", TrainerFactory.of(OptimizerModels_SgdDampeningTrainer.class)),
                new Case("SGD Nesterov+decay", TrainerFactory.of(OptimizerModels_SgdNesterovTrainer.class)),
                new Case("Adam+decay", TrainerFactory.of(OptimizerModels_AdamTrainer.class)),
                new Case("Adam AMSGrad", TrainerFactory.of(OptimizerModels_AdamAmsgradTrainer.class)),
                new Case("AdamW", TrainerFactory.of(OptimizerModels_AdamWTrainer.class)),
                new Case("AdamW AMSGrad", TrainerFactory.of(OptimizerModels_AdamWAmsgradTrainer.class)),
                new Case("RMSprop", TrainerFactory.of(OptimizerModels_RmspropTrainer.class)),
                new Case("RMSprop centered+momentum", TrainerFactory.of(OptimizerModels_RmspropCenteredTrainer.class)),
                new Case("Adagrad lr_decay+initial accumulator",
                        TrainerFactory.of(OptimizerModels_AdagradTrainer.class)),
                new Case("Adamax+decay", TrainerFactory.of(OptimizerModels_AdamaxTrainer.class)),
                new Case("NAdam+decay", TrainerFactory.of(OptimizerModels_NadamTrainer.class)),
                new Case("LAMB+decay", TrainerFactory.of(OptimizerModels_LambTrainer.class)),
                new Case("LARS momentum+decay", TrainerFactory.of(OptimizerModels_LarsTrainer.class)),
                PER_LAYER);
    }
}
