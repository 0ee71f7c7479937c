package example;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;

class CannotExtend {
    @Model(input = 4, loss = Loss.MEAN_SQUARED_ERROR)
    @Optimizer(value = OptimizerKind.ADAM)
    static final class FinalModel {
        @Layer(units = 1) Dense output;
    }

    @Model(input = 4, loss = Loss.MEAN_SQUARED_ERROR)
    @Optimizer(value = OptimizerKind.ADAM)
    private static class PrivateModel {
        @Layer(units = 1) Dense output;
    }

    @Model(input = 4, loss = Loss.MEAN_SQUARED_ERROR)
    @Optimizer(value = OptimizerKind.ADAM)
    class InnerModel {
        @Layer(units = 1) Dense output;
    }

    @Model(input = 4, loss = Loss.MEAN_SQUARED_ERROR)
    @Optimizer(value = OptimizerKind.ADAM)
    static class NeedsArguments {
        @Layer(units = 1) Dense output;

        NeedsArguments(int seed) {
        }
    }

    @Model(input = 4, loss = Loss.MEAN_SQUARED_ERROR)
    @Optimizer(value = OptimizerKind.ADAM)
    static class PrivateConstructor {
        @Layer(units = 1) Dense output;

        private PrivateConstructor() {
        }
    }

    @Model(input = 4, loss = Loss.MEAN_SQUARED_ERROR)
    @Optimizer(value = OptimizerKind.ADAM)
    static class ThrowingConstructor {
        @Layer(units = 1) Dense output;

        ThrowingConstructor() throws java.io.IOException {
        }
    }

    @Model(input = 4, loss = Loss.MEAN_SQUARED_ERROR)
    @Optimizer(value = OptimizerKind.ADAM)
    abstract static class AbstractModel implements Runnable {
        @Layer(units = 1) Dense output;

        abstract void prepare();
    }

    private static class Hidden {
        @Model(input = 4, loss = Loss.MEAN_SQUARED_ERROR)
        @Optimizer(value = OptimizerKind.ADAM)
        static class InPrivateClass {
            @Layer(units = 1) Dense output;
        }
    }

    @Model(input = 4, loss = Loss.MEAN_SQUARED_ERROR)
    @Optimizer(value = OptimizerKind.ADAM)
    static class GenericModel<T> {
        @Layer(units = 1) Dense output;
    }

    @Model(loss = Loss.MEAN_SQUARED_ERROR, input = 4)
    @Optimizer(value = OptimizerKind.ADAM)
    interface InterfaceModel {
    }

    @Model(input = 4, loss = Loss.MEAN_SQUARED_ERROR)
    @Optimizer(value = OptimizerKind.ADAM)
    enum EnumModel {
        ONLY;

        @Layer(units = 1) Dense output;
    }

    @Model(input = 4, loss = Loss.MEAN_SQUARED_ERROR)
    @Optimizer(value = OptimizerKind.ADAM)
    record RecordModel(@Layer(units = 1) Dense output) {
    }
}