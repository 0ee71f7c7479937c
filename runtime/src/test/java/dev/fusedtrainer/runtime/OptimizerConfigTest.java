package dev.fusedtrainer.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.annotations.WeightDecay;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a rule's description (and so every checkpoint fingerprint) contains, and what its decay scope writes. */
class OptimizerConfigTest {

    @Test
    void theDescriptionListsOnlyTheRulesOwnHyperParameters() {
        assertEquals("ADAM(lr=0.01, beta1=0.9, beta2=0.999, eps=1.0E-8, weightDecay=0.0, amsgrad=0.0)",
                OptimizerConfig.of(OptimizerKind.ADAM, Map.of("lr", 0.01)).toString());
        assertEquals("LARS(lr=0.5, momentum=0.9, weightDecay=0.0, trustCoefficient=0.001, eps=1.0E-8, nesterov=0.0)",
                OptimizerConfig.of(OptimizerKind.LARS, Map.of("lr", 0.5)).toString());
    }

    @Test
    void decayScopesChangeTheDescriptionAndTheBlock() {
        OptimizerConfig adamW = OptimizerConfig.of(OptimizerKind.ADAMW, Map.of("lr", 0.01, "weightDecay", 0.1));
        OptimizerConfig weightsOnly = adamW.withDecay(WeightDecay.WEIGHTS_ONLY);
        OptimizerConfig none = adamW.withDecay(WeightDecay.NONE);
        assertEquals(adamW, adamW.withDecay(WeightDecay.ALL));
        assertNotEquals(adamW.toString(), weightsOnly.toString());
        double[] all = adamW.hyperParameterBlock();
        double[] spared = weightsOnly.hyperParameterBlock();
        double[] off = none.hyperParameterBlock();
        assertEquals(0.1, all[2]);       // the weights' decay
        assertEquals(0.1, all[17]);      // the biases': the same
        assertEquals(0.1, spared[2]);
        assertEquals(0.0, spared[17]);
        assertEquals(0.0, off[2]);
        assertEquals(0.0, off[17]);
    }
}
