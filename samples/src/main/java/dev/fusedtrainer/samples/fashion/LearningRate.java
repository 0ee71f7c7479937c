package dev.fusedtrainer.samples.fashion;

import dev.fusedtrainer.runtime.Trainer;

/**
 * Sets a trainer's learning rate at run time. The annotated rate is baked into the generated
 * trainer; {@link Trainer#setLearningRateFactor} scales it, applying any pending FORWARD update
 * first at the rate its gradient was computed under.
 */
final class LearningRate {
    private LearningRate() {
    }

    /** Makes every layer of a single-optimizer model train with {@code lr}. */
    static void override(Trainer trainer, ModelVariant model, double lr) {
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("--lr must be a finite number > 0, got " + lr);
        }
        trainer.setLearningRateFactor(lr / model.annotatedLearningRate());
    }
}
