package dev.fusedtrainer.processor.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.OptimizerKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BucketPlannerTest {
    private static final OptimizerSpec SGD = new OptimizerSpec(OptimizerKind.SGD, Map.of("lr", 0.1));

    /** A chain of dense layers of these widths: parameter counts out·in + out. */
    private static List<LayerSpec> layers(int... widths) {
        List<LayerSpec> layers = new ArrayList<>();
        for (int i = 0; i + 1 < widths.length; i++) {
            layers.add(LayerSpec.dense("l" + i, widths[i], widths[i + 1], Activation.RELU, 0.01, SGD));
        }
        return layers;
    }

    private static String describe(List<BucketPlanner.Bucket> buckets) {
        StringBuilder text = new StringBuilder();
        for (BucketPlanner.Bucket b : buckets) {
            text.append('[').append(b.start()).append(',').append(b.end()).append(")@").append(b.completingLayer()).append(' ');
        }
        return text.toString().trim();
    }

    @Test
    void smallLayersShareOneBucketCompletedByTheFirstLayer() {
        // 4 → 6 → 3 → 1: counts 30, 21, 4
        assertEquals("[0,55)@0", describe(BucketPlanner.plan(layers(4, 6, 3, 1), 100)));
    }

    @Test
    void aBucketClosesBeforeTheLayerThatWouldOverflowIt() {
        // backward: 4 + 21 = 25 fits in 40, + 30 would not
        assertEquals("[30,55)@1 [0,30)@0", describe(BucketPlanner.plan(layers(4, 6, 3, 1), 40)));
        // exactly full is still one bucket
        assertEquals("[0,55)@0", describe(BucketPlanner.plan(layers(4, 6, 3, 1), 55)));
    }

    @Test
    void aLayerLargerThanTheCapacityIsCutIntoEqualPieces() {
        // 131 → 13 → 9 → 5: counts 1716, 126, 50; capacity 300
        assertEquals("[1716,1892)@1 [1430,1716)@0 [1144,1430)@0 [858,1144)@0 [572,858)@0 [286,572)@0 [0,286)@0",
                describe(BucketPlanner.plan(layers(131, 13, 9, 5), 300)));
        // 3 → 5 → 6: counts 20, 36; the large last layer opens no empty bucket, the small one below starts anew
        assertEquals("[38,56)@1 [20,38)@1 [0,20)@0", describe(BucketPlanner.plan(layers(3, 5, 6), 20)));
    }

    @Test
    void capacityMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> BucketPlanner.plan(layers(2, 2), 0));
    }
}
