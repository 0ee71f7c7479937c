package dev.fusedtrainer.tests.dist;

import dev.fusedtrainer.runtime.dist.Communicator;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One rank of MpiDataParallelTest's job: trains every {@link DataParallelRuns#configs()} run on this
 * rank's share of each batch and writes the result to {@code <dir>/<config>-rank<r>.bin}.
 */
public final class DataParallelRankMain {
    private DataParallelRankMain() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Communicator comm = Communicator.mpi();
        try {
            for (DataParallelRuns.Config config : DataParallelRuns.configs()) {
                DataParallelRuns.Result result = DataParallelRuns.train(config, comm);
                write(dir.resolve(config.id() + "-rank" + comm.rank() + ".bin"), result);
            }
            System.out.println("DONE rank " + comm.rank() + " of " + comm.size());
        } finally {
            comm.close();
        }
    }

    static void write(Path file, DataParallelRuns.Result result) throws IOException {
        try (OutputStream out = Files.newOutputStream(file); DataOutputStream data = new DataOutputStream(out)) {
            writeFloats(data, result.parameters());
            data.writeInt(result.state().size());
            for (float[] slot : result.state()) {
                writeFloats(data, slot);
            }
            writeFloats(data, result.losses());
        }
    }

    private static void writeFloats(DataOutputStream data, float[] values) throws IOException {
        data.writeInt(values.length);
        for (float v : values) {
            data.writeFloat(v);
        }
    }
}
