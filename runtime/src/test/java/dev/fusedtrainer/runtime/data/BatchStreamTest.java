package dev.fusedtrainer.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BatchStreamTest {

    /** 10 one-pixel images whose pixel value is the image's index, labelled index % 3. */
    private static LabelledImages tiny() {
        byte[] pixels = new byte[10];
        int[] labels = new int[10];
        for (int i = 0; i < 10; i++) {
            pixels[i] = (byte) i;
            labels[i] = i % 3;
        }
        return new LabelledImages(new ImageSet(pixels, 10, 1, 1), labels, 3);
    }

    private static int sample(BatchStream.Batch batch, int i) {
        return Math.round(batch.inputs()[i] * 255f);
    }

    @Test
    void everyEpochVisitsEverySampleOnceInANewOrderReusingArrays() {
        BatchStream stream = new BatchStream(tiny(), 4, 42, 0f, 1f);
        assertEquals(3, stream.batchesPerEpoch());
        int[][] orders = new int[2][];
        float[] fullArray = null;
        for (int epoch = 0; epoch < 2; epoch++) {
            int[] seen = new int[10];
            int k = 0;
            for (int b = 0; b < 3; b++) {
                BatchStream.Batch batch = stream.next();
                assertEquals(b < 2 ? 4 : 2, batch.size());
                if (b == 0) {
                    if (fullArray != null) {
                        assertSame(fullArray, batch.inputs(), "arrays are reused across steps");
                    }
                    fullArray = batch.inputs();
                }
                for (int i = 0; i < batch.size(); i++) {
                    int s = sample(batch, i);
                    assertEquals(s % 3, batch.labels()[i]);
                    seen[k++] = s;
                }
            }
            orders[epoch] = seen.clone();
            Arrays.sort(seen);
            assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, seen);
        }
        assertFalse(Arrays.equals(orders[0], orders[1]), "the order changes each epoch");
    }

    @Test
    void restoredPositionContinuesTheExactSequence() {
        BatchStream a = new BatchStream(tiny(), 3, 7, 0f, 1f);
        for (int i = 0; i < 5; i++) {
            a.next();
        }
        BatchStream.Position saved = a.position();
        BatchStream b = new BatchStream(tiny(), 3, 999, 0f, 1f);
        b.restore(saved);
        for (int i = 0; i < 20; i++) {
            BatchStream.Batch x = a.next();
            BatchStream.Batch y = b.next();
            assertArrayEquals(x.inputs(), y.inputs());
            assertArrayEquals(x.labels(), y.labels());
            assertEquals(a.epoch(), b.epoch());
        }
    }

    @Test
    void ranksSplitEveryGlobalBatchIntoDisjointContiguousShares() {
        // 10 samples, global batches of 5 over 3 ranks: shares start at 5r/3 = 0, 1, 3 -> sizes 1, 2, 2
        BatchStream whole = new BatchStream(tiny(), 5, 11, 0f, 1f);
        BatchStream[] ranks = new BatchStream[3];
        for (int r = 0; r < 3; r++) {
            ranks[r] = new BatchStream(tiny(), 5, 11, 0f, 1f, r, 3);
        }
        for (int step = 0; step < 6; step++) {
            BatchStream.Batch global = whole.next();
            int k = 0;
            for (int r = 0; r < 3; r++) {
                BatchStream.Batch share = ranks[r].next();
                assertEquals(global.size(), share.globalSize());
                assertEquals(r == 0 ? 1 : 2, share.size());
                for (int i = 0; i < share.size(); i++) {
                    assertEquals(sample(global, k++), sample(share, i));
                }
                assertEquals(whole.epoch(), ranks[r].epoch());
                assertEquals(whole.batchInEpoch(), ranks[r].batchInEpoch());
            }
            assertEquals(global.size(), k, "the shares cover the global batch");
        }
    }

    @Test
    void aBatchTooSmallToShareIsRefusedWithTheFix() {
        // 10 samples in batches of 4: the last batch has 2 samples, fewer than 3 ranks
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BatchStream(tiny(), 4, 1, 0f, 1f, 0, 3));
        assertTrue(e.getMessage().contains("a batch of 2 samples cannot be split "
                + "over 3 ranks"), e.getMessage());
    }
}
