package dev.fusedtrainer.samples.fashion;

import dev.fusedtrainer.runtime.Trainer;
import dev.fusedtrainer.runtime.TrainerCore;
import dev.fusedtrainer.runtime.TrainerState;

/**
 * Overrides a trainer's learning rate at run time.
 *
 * <p>The learning rate is an annotation value, baked into the generated trainer's {@code LAYOUT}.
 * The {@link Trainer} interface has no setter; what makes the override possible is that every
 * generated trainer's {@link Trainer#state()} is a {@link TrainerCore}, whose per-layer native
 * hyper-parameter blocks ({@link TrainerCore#hyperParameters(int)}, slot 1 = lr, see
 * {@code OptimizerConfig#hyperParameterBlock}) the kernels read on every call. This class is the
 * one place that relies on that; a {@code Trainer.setLearningRate} hook in the runtime would replace
 * it. The override is not part of the layout fingerprint, so checkpoints record it separately.
 */
final class LearningRate {
    private static final int LR_SLOT = 1;

    private LearningRate() {
    }

    /**
     * Sets every layer's learning rate to {@code lr}.
     *
     * @throws UnsupportedOperationException when the trainer's state is not a {@link TrainerCore}
     */
    static void override(Trainer trainer, double lr) {
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("--lr must be a finite number > 0, got " + lr);
        }
        TrainerState state = trainer.state();
        if (!(state instanceof TrainerCore core)) {
            throw new UnsupportedOperationException(trainer.modelName() + "Trainer does not expose its "
                    + "hyper-parameters, so --lr cannot override the annotated learning rate; change the "
                    + "@Optimizer(lr = ...) annotation instead");
        }
        // A FORWARD trainer still holds the last step's update; it must run with the rate it was
        // computed under. Exporting applies pending updates (exactly), so flush them that way.
        core.exportParameters();
        for (int layer = 0; layer < core.layout().layers().size(); layer++) {
            core.hyperParameters(layer).put(LR_SLOT, lr);
        }
    }
}
