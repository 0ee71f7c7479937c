package dev.fusedtrainer.processor.codegen;

import com.palantir.javapoet.AnnotationSpec;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.annotations.WeightDecay;
import dev.fusedtrainer.processor.model.BucketPlanner;
import dev.fusedtrainer.processor.model.LayerSpec;
import dev.fusedtrainer.processor.model.LrScheduleSpec;
import dev.fusedtrainer.processor.model.ModelSpec;
import dev.fusedtrainer.processor.model.OptimizerSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.lang.model.element.Modifier;

/**
 * Generates {@code <Model>Trainer} from a {@link ModelSpec}. Pure: no javac types, deterministic
 * output. The trainer has one method per schedule, so that a reader sees, layer by layer, where
 * each update happens.
 */
public final class TrainerGenerator {
    private static final String RUNTIME = "dev.fusedtrainer.runtime";
    private static final ClassName TRAINER = ClassName.get(RUNTIME, "Trainer");
    private static final ClassName CORE = ClassName.get(RUNTIME, "TrainerCore");
    private static final ClassName DEVICE = ClassName.get(RUNTIME, "Device");
    private static final ClassName EVALUATION = ClassName.get(RUNTIME, "Evaluation");
    private static final ClassName LAYOUT = ClassName.get(RUNTIME, "ModelLayout");
    private static final ClassName DENSE_LAYOUT = ClassName.get(RUNTIME, "DenseLayout");
    private static final ClassName CONV2D_LAYOUT = ClassName.get(RUNTIME, "Conv2dLayout");
    private static final ClassName POOL2D_LAYOUT = ClassName.get(RUNTIME, "Pool2dLayout");
    private static final ClassName FLATTEN_LAYOUT = ClassName.get(RUNTIME, "FlattenLayout");
    private static final ClassName DROPOUT_LAYOUT = ClassName.get(RUNTIME, "DropoutLayout");
    private static final ClassName LAYER_NORM_LAYOUT = ClassName.get(RUNTIME, "LayerNormLayout");
    private static final ClassName BATCH_NORM_LAYOUT = ClassName.get(RUNTIME, "BatchNormLayout");
    private static final ClassName EMBEDDING_LAYOUT = ClassName.get(RUNTIME, "EmbeddingLayout");
    private static final ClassName LR_SCHEDULE = ClassName.get(RUNTIME, "LearningRateSchedule");
    private static final ClassName OPTIMIZER_CONFIG = ClassName.get(RUNTIME, "OptimizerConfig");
    private static final ClassName PARAMETER_INFO = ClassName.get(RUNTIME, "ParameterInfo");
    private static final ClassName TRAINER_STATE = ClassName.get(RUNTIME, "TrainerState");
    private static final ClassName BACKEND = ClassName.get(RUNTIME, "Backend");
    private static final ClassName BUCKET_PLAN = ClassName.get(RUNTIME, "BucketPlan");
    private static final ClassName DATA_PARALLEL = ClassName.get(RUNTIME, "DataParallel");
    private static final ClassName COMMUNICATOR = ClassName.get(RUNTIME + ".dist", "Communicator");
    private static final ClassName FLOAT_POINTER = ClassName.get("org.bytedeco.javacpp", "FloatPointer");
    private static final ClassName DOUBLE_POINTER = ClassName.get("org.bytedeco.javacpp", "DoublePointer");
    private static final ClassName INT_POINTER = ClassName.get("org.bytedeco.javacpp", "IntPointer");
    private static final ClassName SCHEDULE = ClassName.get(Schedule.class);
    private static final ClassName LOSS = ClassName.get(Loss.class);
    private static final ClassName ACTIVATION = ClassName.get(Activation.class);
    private static final ClassName OPTIMIZER_KIND = ClassName.get("dev.fusedtrainer.annotations", "OptimizerKind");
    private static final ClassName GENERATED = ClassName.get("javax.annotation.processing", "Generated");
    private static final String PROCESSOR = "dev.fusedtrainer.processor.FusedTrainerProcessor";

    private final ModelSpec model;
    private final List<LayerSpec> layers;
    private final ClassName trainer;
    private final List<BucketPlanner.Bucket> buckets;

    public TrainerGenerator(ModelSpec model) {
        this.model = model;
        this.layers = model.layers();
        this.trainer = ClassName.get(model.packageName(), model.trainerName());
        this.buckets = BucketPlanner.plan(layers, model.bucketFloats());
    }

    public JavaFile generate() {
        ClassName modelClass = ClassName.get(model.packageName(), model.modelSimpleNames().get(0),
                model.modelSimpleNames().subList(1, model.modelSimpleNames().size()).toArray(new String[0]));
        TypeSpec.Builder type = TypeSpec.classBuilder(trainer)
                .addModifiers(Modifier.PUBLIC, Modifier.FINAL)
                .superclass(modelClass)
                .addSuperinterface(TRAINER)
                .addAnnotation(AnnotationSpec.builder(GENERATED).addMember("value", "$S", PROCESSOR).build())
                .addJavadoc(classJavadoc());
        type.addField(FieldSpec.builder(LAYOUT, "LAYOUT", Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL)
                .addJavadoc("Shapes, activations and optimizers of {@link $T}, as validated at compile time.\n", modelClass)
                .initializer(layoutInitializer()).build());
        type.addField(FieldSpec.builder(BUCKET_PLAN, "BUCKETS", Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL)
                .addJavadoc(bucketJavadoc()).initializer(bucketInitializer()).build());
        if (model.lrSchedule() != null) {
            type.addField(FieldSpec.builder(LR_SCHEDULE, "LR_SCHEDULE", Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL)
                    .addJavadoc("The learning-rate schedule of {@link $T}'s {@code @LrSchedule}, in force until replaced.\n",
                            modelClass)
                    .initializer(lrScheduleInitializer(model.lrSchedule())).build());
        }
        type.addField(CORE, "core", Modifier.PRIVATE, Modifier.FINAL);
        type.addField(FieldSpec.builder(DATA_PARALLEL, "dp", Modifier.PRIVATE, Modifier.FINAL)
                .addJavadoc("This rank's side of a data-parallel job; null for a single process.\n").build());
        type.addField(FieldSpec.builder(BACKEND, "backend", Modifier.PRIVATE, Modifier.FINAL)
                .addJavadoc("The kernels of the chosen device (CPU or CUDA); every buffer below lives in its memory.\n")
                .build());
        type.addField(TypeName.INT, "threads", Modifier.PRIVATE, Modifier.FINAL);
        type.addField(FieldSpec.builder(TypeName.BOOLEAN, "updatesPending", Modifier.PRIVATE)
                .addJavadoc("FORWARD schedule: the last step's gradients are stored but not yet applied.\n").build());
        type.addField(FLOAT_POINTER, "input", Modifier.PRIVATE, Modifier.FINAL);
        type.addField(model.loss() == Loss.SOFTMAX_CROSS_ENTROPY ? INT_POINTER : FLOAT_POINTER,
                model.loss() == Loss.SOFTMAX_CROSS_ENTROPY ? "nativeLabels" : "nativeTargets", Modifier.PRIVATE, Modifier.FINAL);
        for (LayerSpec layer : layers) {
            for (String suffix : bufferSuffixes(layer)) {
                type.addField(FLOAT_POINTER, layer.name() + suffix, Modifier.PRIVATE, Modifier.FINAL);
            }
            if (layer.trainable()) {
                type.addField(DOUBLE_POINTER, layer.name() + "Hyper", Modifier.PRIVATE, Modifier.FINAL);
            }
        }
        type.addMethod(constructor());
        type.addMethod(MethodSpec.methodBuilder("builder").addModifiers(Modifier.PUBLIC, Modifier.STATIC)
                .addJavadoc("A builder with the model's defaults: CPU, seed 0, 1 thread, maxBatch 128, schedule $L.\n",
                        model.defaultSchedule())
                .returns(trainer.nestedClass("Builder")).addStatement("return new Builder()").build());
        type.addType(builderType());
        addTrainerApi(type);
        type.addMethod(stepMethod());
        type.addMethod(stepUnfused());
        type.addMethod(stepBackwardFused());
        type.addMethod(stepForwardFused());
        type.addMethod(forward());
        type.addMethod(lossAndGradient());
        type.addMethod(backward());
        type.addMethod(update());
        type.addMethod(applyPendingUpdates());
        type.addMethod(stepUnfusedDataParallel());
        type.addMethod(stepBackwardFusedDataParallel());
        type.addMethod(stepForwardFusedDataParallel());
        type.addMethod(forwardDataParallel());
        type.addMethod(backwardDataParallel());
        return JavaFile.builder(model.packageName(), type.build())
                .addFileComment("Generated by FusedTrainer from $L. Do not edit.", model.modelName())
                .skipJavaLangImports(true)
                .indent("    ")
                .build();
    }

    // ---- class header ----

    private CodeBlock classJavadoc() {
        CodeBlock.Builder doc = CodeBlock.builder()
                .add("Trains {@link $L} with the optimizer update fused into the training step.\n\n", model.modelName())
                .add("<pre>\n");
        for (LayerSpec layer : layers) {
            String activation = layer.activation() == Activation.LEAKY_RELU
                    ? "LEAKY_RELU(negativeSlope=" + layer.negativeSlope() + ")" : layer.activation().name();
            String what = switch (layer.kind()) {
                case DENSE -> activation + ", " + layer.optimizer().describe();
                case CONV2D -> "conv " + window(layer) + " " + activation + ", " + layer.optimizer().describe();
                case MAX_POOL2D -> "max pool " + window(layer);
                case AVG_POOL2D -> "average pool " + window(layer);
                case FLATTEN -> "flatten (a view, no copy)";
                case DROPOUT -> "dropout rate " + layer.rate() + " (training steps only)";
                case EMBEDDING -> "embedding of " + layer.in() + " ids, W[" + layer.vocabulary() + "," + layer.units()
                        + "] updated sparsely (the rows looked up), " + layer.optimizer().describe();
                case LAYER_NORM -> "layer norm eps " + layer.eps() + " " + activation + ", " + layer.optimizer().describe();
                case BATCH_NORM -> "batch norm eps " + layer.eps() + " momentum " + layer.momentum()
                        + " (batch statistics in training steps, running ones otherwise) " + activation + ", "
                        + layer.optimizer().describe();
            };
            doc.add("$L: $L → $L $L\n", layer.name(), batchShape(layer.inShape()), batchShape(layer.outShape()), what);
        }
        doc.add("loss: $L\n", model.loss()).add("</pre>\n\n")
                .add("Schedules (default $L, chosen in {@link Builder#schedule}):\n", model.defaultSchedule())
                .add("<ul>\n")
                .add("<li>UNFUSED: forward, backward into full gradients, then one update pass ({@code stepUnfused}).\n")
                .add("<li>BACKWARD: each layer is updated inside backward as soon as its gradient exists; on the CPU\n")
                .add("    no full gradient is stored ({@code stepBackwardFused}).\n")
                .add("<li>FORWARD: gradients are stored and each layer's update runs just before its next forward\n")
                .add("    use ({@code stepForwardFused}); pending updates are applied before predict, evaluate,\n")
                .add("    parameter export and close.\n")
                .add("</ul>\n");
        return doc.build();
    }

    private CodeBlock layoutInitializer() {
        CodeBlock.Builder code = CodeBlock.builder().add("new $T($S, $L, $T.$L, $T.of(\n", LAYOUT, model.modelName(),
                model.inputSize(), LOSS, model.loss(), List.class).indent().indent();
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec l = layers.get(i);
            List<Integer> in = l.inShape();
            switch (l.kind()) {
                case DENSE -> code.add("new $T($S, $L, $L, $T.$L, $Lf,\n        $L)", DENSE_LAYOUT, l.name(), l.in(),
                        l.out(), ACTIVATION, l.activation(), floatLiteral(l.negativeSlope()), optimizerConfig(l.optimizer()));
                case CONV2D -> code.add("new $T($S, $L, $L, $L, $L, $L, $L, $L, $T.$L, $Lf,\n        $L)", CONV2D_LAYOUT,
                        l.name(), in.get(0), in.get(1), in.get(2), l.outShape().get(0), l.kernel(), l.stride(),
                        l.padding(), ACTIVATION, l.activation(), floatLiteral(l.negativeSlope()),
                        optimizerConfig(l.optimizer()));
                case MAX_POOL2D, AVG_POOL2D -> code.add("new $T($S, $T.$L, $L, $L, $L, $L, $L, $L)", POOL2D_LAYOUT,
                        l.name(), POOL2D_LAYOUT.nestedClass("Mode"), l.kind() == LayerSpec.Kind.MAX_POOL2D ? "MAX" : "AVERAGE",
                        in.get(0), in.get(1), in.get(2), l.kernel(), l.stride(), l.padding());
                case FLATTEN -> code.add("new $T($S, $L)", FLATTEN_LAYOUT, l.name(), l.in());
                case DROPOUT -> code.add("new $T($S, $L, $L)", DROPOUT_LAYOUT, l.name(), l.in(), doubleLiteral(l.rate()));
                case EMBEDDING -> code.add("new $T($S, $L, $L, $L,\n        $L)", EMBEDDING_LAYOUT, l.name(), l.in(),
                        l.vocabulary(), l.units(), optimizerConfig(l.optimizer()));
                case LAYER_NORM -> code.add("new $T($S, $L, $Lf, $T.$L, $Lf,\n        $L)", LAYER_NORM_LAYOUT, l.name(),
                        l.in(), floatLiteral(l.eps()), ACTIVATION, l.activation(), floatLiteral(l.negativeSlope()),
                        optimizerConfig(l.optimizer()));
                case BATCH_NORM -> code.add("new $T($S, $L, $L, $Lf, $Lf, $T.$L, $Lf,\n        $L)", BATCH_NORM_LAYOUT,
                        l.name(), in.get(0), l.spatial(), floatLiteral(l.eps()), floatLiteral(l.momentum()), ACTIVATION,
                        l.activation(), floatLiteral(l.negativeSlope()), optimizerConfig(l.optimizer()));
            }
            code.add(i + 1 < layers.size() ? ",\n" : "))");
        }
        return code.unindent().unindent().build();
    }

    /** Map.of suffices: no optimizer takes more than 6 hyper-parameters, and the runtime reads them by name. */
    private CodeBlock optimizerConfig(OptimizerSpec spec) {
        CodeBlock.Builder values = CodeBlock.builder();
        String sep = "";
        for (Map.Entry<String, Double> e : spec.values().entrySet()) {
            values.add("$L$S, $L", sep, e.getKey(), doubleLiteral(e.getValue()));
            sep = ", ";
        }
        if (spec.decay() != WeightDecay.ALL) {
            return CodeBlock.of("$T.of($T.$L, $T.of($L)).withDecay($T.$L)", OPTIMIZER_CONFIG, OPTIMIZER_KIND, spec.kind(),
                    Map.class, values.build(), WeightDecay.class, spec.decay());
        }
        return CodeBlock.of("$T.of($T.$L, $T.of($L))", OPTIMIZER_CONFIG, OPTIMIZER_KIND, spec.kind(), Map.class,
                values.build());
    }

    private MethodSpec constructor() {
        MethodSpec.Builder c = MethodSpec.constructorBuilder().addModifiers(Modifier.PRIVATE)
                .addParameter(trainer.nestedClass("Builder"), "builder");
        if (model.accumulateSteps() > 1) {
            c.beginControlFlow("if (builder.schedule == $T.BACKWARD)", SCHEDULE)
                    .addStatement("throw new $T($S)", IllegalArgumentException.class, model.modelName()
                            + " accumulates gradients over " + model.accumulateSteps() + " micro-batches (accumulateSteps), "
                            + "which needs them all before the update; BACKWARD updates inside every backward pass: use "
                            + ".schedule(Schedule.FORWARD) (exact) or Schedule.UNFUSED")
                    .endControlFlow();
        }
        if (model.clipLayerGradNorm() > 0) {
            c.beginControlFlow("if (builder.schedule == $T.BACKWARD)", SCHEDULE)
                    .addStatement("throw new $T($S)", IllegalArgumentException.class, model.modelName()
                            + " clips each layer's gradient norm (clipLayerGradNorm = " + model.clipLayerGradNorm()
                            + "), which needs the layer's whole gradient before its update; BACKWARD updates it tile by "
                            + "tile: use .schedule(Schedule.FORWARD) (exact) or Schedule.UNFUSED")
                    .endControlFlow();
        }
        if (model.clipGradNorm() > 0) {
            c.beginControlFlow("if (builder.schedule == $T.BACKWARD)", SCHEDULE)
                    .addStatement("throw new $T($S)", IllegalArgumentException.class, model.modelName()
                            + " clips the global gradient norm (clipGradNorm = " + model.clipGradNorm() + "), which needs "
                            + "every gradient before the first update; BACKWARD updates each layer as soon as its own "
                            + "gradient exists: use .schedule(Schedule.FORWARD) (exact) or Schedule.UNFUSED")
                    .endControlFlow();
        }
        c.addStatement("this.core = new $T(LAYOUT, builder.schedule, builder.device, builder.seed, "
                        + "builder.threads, builder.maxBatch,$Wbuilder.communicator, builder.shardOptimizerState, BUCKETS)", CORE)
                .addStatement("this.dp = core.dataParallel()")
                .addStatement("this.backend = core.backend()")
                .addStatement("this.threads = builder.threads")
                .addStatement("this.input = core.input()")
                .addStatement(model.loss() == Loss.SOFTMAX_CROSS_ENTROPY
                        ? "this.nativeLabels = core.labels()" : "this.nativeTargets = core.targets()");
        for (int i = 0; i < layers.size(); i++) {
            String n = layers.get(i).name();
            for (String suffix : bufferSuffixes(layers.get(i))) {
                c.addStatement("this.$L$L = core.$L", n, suffix, switch (suffix) {
                    case "Params" -> "params(" + i + ")";
                    case "Grads" -> "grads(" + i + ")";
                    case "Z" -> "preActivation(" + i + ")";
                    case "Y" -> "output(" + i + ")";
                    case "Dy" -> "outputGrad(" + i + ")";
                    case "Mask" -> "dropoutMask(" + i + ")";
                    case "Stats" -> "normStatistics(" + i + ")";
                    case "Running" -> "runningStatistics(" + i + ")";
                    default -> "state(" + i + ", " + suffix.substring("State".length()) + ")";
                });
            }
            if (layers.get(i).trainable()) {
                c.addStatement("this.$LHyper = core.hyperParameters($L)", n, i);
            }
        }
        if (model.lrSchedule() != null) {
            c.addStatement("core.setLearningRateSchedule(LR_SCHEDULE)");
        }
        if (model.clipGradValue() > 0) {
            c.addComment("@Model(clipGradValue): every update clamps each gradient element, inside the fused kernels");
            c.addStatement("core.clipGradientValues($L)", doubleLiteral(model.clipGradValue()));
        }
        return c.addStatement("core.onPendingUpdates(this::applyPendingUpdates)").build();
    }

    /** The run-time schedule, written as its factory calls: {@code LearningRateSchedule.cosine(9000, 0.0).withWarmup(…)}. */
    private static CodeBlock lrScheduleInitializer(LrScheduleSpec s) {
        CodeBlock.Builder code = CodeBlock.builder();
        switch (s.kind()) {
            case STEP -> code.add("$T.step($L, $L)", LR_SCHEDULE, s.stepSize(), doubleLiteral(s.gamma()));
            case EXPONENTIAL -> code.add("$T.exponential($L)", LR_SCHEDULE, doubleLiteral(s.gamma()));
            case COSINE -> code.add("$T.cosine($L, $L)", LR_SCHEDULE, s.decaySteps(), doubleLiteral(s.minFactor()));
            default -> code.add("$T.constant()", LR_SCHEDULE);
        }
        if (s.warmupSteps() > 0) {
            code.add(".withWarmup($L, $L)", s.warmupSteps(), doubleLiteral(s.warmupStartFactor()));
        }
        return code.build();
    }

    private TypeSpec builderType() {
        ClassName builder = trainer.nestedClass("Builder");
        TypeSpec.Builder b = TypeSpec.classBuilder(builder).addModifiers(Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL)
                .addJavadoc("Configures a {@link $T}; every setting is checked by {@link #build()}.\n", trainer)
                .addField(FieldSpec.builder(DEVICE, "device", Modifier.PRIVATE).initializer("$T.cpu()", DEVICE).build())
                .addField(FieldSpec.builder(TypeName.LONG, "seed", Modifier.PRIVATE).initializer("0L").build())
                .addField(FieldSpec.builder(TypeName.INT, "threads", Modifier.PRIVATE).initializer("1").build())
                .addField(FieldSpec.builder(TypeName.INT, "maxBatch", Modifier.PRIVATE).initializer("128").build())
                .addField(FieldSpec.builder(SCHEDULE, "schedule", Modifier.PRIVATE)
                        .initializer("$T.$L", SCHEDULE, model.defaultSchedule()).build())
                .addField(FieldSpec.builder(COMMUNICATOR, "communicator", Modifier.PRIVATE).build())
                .addField(FieldSpec.builder(TypeName.BOOLEAN, "shardOptimizerState", Modifier.PRIVATE).build())
                .addMethod(MethodSpec.constructorBuilder().addModifiers(Modifier.PRIVATE).build());
        b.addMethod(setter(builder, "device", DEVICE,
                "Where to train: {@code Device.cpu()} or {@code Device.cuda(n)} (checked when the trainer is built)."));
        b.addMethod(setter(builder, "seed", TypeName.LONG, "Seed of the weight initialisation."));
        b.addMethod(setter(builder, "threads", TypeName.INT,
                "Threads for the kernels and matrix products (one OpenMP pool; OpenBLAS itself runs single-threaded)."));
        b.addMethod(setter(builder, "maxBatch", TypeName.INT,
                "The largest batch a step takes; buffers are sized for it once."));
        b.addMethod(setter(builder, "schedule", SCHEDULE, "When updates run: UNFUSED, BACKWARD or FORWARD."));
        b.addMethod(setter(builder, "communicator", COMMUNICATOR,
                "Makes this trainer one rank of a data-parallel job ({@code Communicator.mpi()}; {@code Communicator.local()}\n"
                        + "runs the same code path in one process): each rank steps on its own shard of every batch, gradients\n"
                        + "are reduced in the buckets of {@link #BUCKETS}, and every rank starts from rank 0's weights."));
        b.addMethod(setter(builder, "shardOptimizerState", TypeName.BOOLEAN,
                "With a communicator: ZeRO-1, each rank keeps optimizer state for its block of every bucket only\n"
                        + "(reduce-scatter, update of the local block, all-gather of the weights before their next use)."));
        b.addMethod(MethodSpec.methodBuilder("build").addModifiers(Modifier.PUBLIC).returns(trainer)
                .addJavadoc("Allocates the trainer's native memory and initialises the weights from the seed.\n")
                .addStatement("return new $T(this)", trainer).build());
        return b.build();
    }

    private static MethodSpec setter(ClassName builder, String name, TypeName type, String doc) {
        return MethodSpec.methodBuilder(name).addModifiers(Modifier.PUBLIC).returns(builder)
                .addJavadoc(doc + "\n").addParameter(type, name)
                .addStatement("this.$L = $L", name, name).addStatement("return this").build();
    }

    // ---- the public Trainer API ----

    private void addTrainerApi(TypeSpec.Builder type) {
        boolean labelled = model.loss() == Loss.SOFTMAX_CROSS_ENTROPY;
        int out = model.outputSize();
        type.addMethod(simpleGetter("modelName", ClassName.get(String.class), CodeBlock.of("return $S", model.modelName())));
        type.addMethod(simpleGetter("schedule", SCHEDULE, CodeBlock.of("return core.schedule()")));
        type.addMethod(simpleGetter("device", DEVICE, CodeBlock.of("return core.device()")));
        type.addMethod(simpleGetter("loss", LOSS, CodeBlock.of("return $T.$L", LOSS, model.loss())));
        type.addMethod(simpleGetter("inputSize", TypeName.INT, CodeBlock.of("return $L", model.inputSize())));
        type.addMethod(simpleGetter("outputSize", TypeName.INT, CodeBlock.of("return $L", out)));
        type.addMethod(simpleGetter("maxBatch", TypeName.INT, CodeBlock.of("return core.maxBatch()")));
        type.addMethod(simpleGetter("stepCount", TypeName.LONG, CodeBlock.of("return core.stepCount()")));

        MethodSpec.Builder stepLabels = override("step", TypeName.FLOAT)
                .addParameter(float[].class, "inputs").addParameter(int[].class, "labels");
        MethodSpec.Builder stepTargets = override("step", TypeName.FLOAT)
                .addParameter(float[].class, "inputs").addParameter(float[].class, "targets");
        MethodSpec.Builder accepted = labelled ? stepLabels : stepTargets;
        MethodSpec.Builder rejected = labelled ? stepTargets : stepLabels;
        accepted.addStatement("int batch = core.batchOf(inputs, true)")
                .addStatement(labelled ? "core.loadLabelled(inputs, labels, 0, batch)"
                        : "core.loadTargets(inputs, targets, 0, batch)")
                .addStatement("return step(batch)");
        rejected.addStatement("throw core.wrongTargetKind()");
        type.addMethod(stepLabels.build()).addMethod(stepTargets.build());

        type.addMethod(override("predict", ArrayTypeNameFloat.TYPE).addParameter(float[].class, "inputs")
                .addStatement("float[] outputs = new float[core.batchOf(inputs, false) * $L]", out)
                .addStatement("predict(inputs, outputs)").addStatement("return outputs").build());
        type.addMethod(override("predict", TypeName.VOID).addParameter(float[].class, "inputs")
                .addParameter(float[].class, "outputs")
                .addStatement("int samples = core.batchOf(inputs, false)")
                .addStatement("core.checkOutputs(outputs, samples)")
                .addStatement("applyPendingUpdates()")
                .beginControlFlow("for (int first = 0; first < samples; first += core.maxBatch())")
                .addStatement("int batch = Math.min(core.maxBatch(), samples - first)")
                .addStatement("core.loadInputs(inputs, first, batch)")
                .addStatement("forward(batch$L)", forwardMode(false))
                .addStatement("core.readOutputs(outputs, first, batch)")
                .endControlFlow().build());

        MethodSpec.Builder evalLabels = override("evaluate", EVALUATION)
                .addParameter(float[].class, "inputs").addParameter(int[].class, "labels");
        MethodSpec.Builder evalTargets = override("evaluate", EVALUATION)
                .addParameter(float[].class, "inputs").addParameter(float[].class, "targets");
        MethodSpec.Builder evalAccepted = labelled ? evalLabels : evalTargets;
        (labelled ? evalTargets : evalLabels).addStatement("throw core.wrongTargetKind()");
        String last = layers.get(layers.size() - 1).name();
        evalAccepted.addStatement("int samples = core.batchOf(inputs, false)")
                .addStatement("applyPendingUpdates()")
                .addStatement("double lossSum = 0")
                .addStatement("long hits = 0")
                .beginControlFlow("for (int first = 0; first < samples; first += core.maxBatch())")
                .addStatement("int batch = Math.min(core.maxBatch(), samples - first)")
                .addStatement(labelled ? "core.loadLabelled(inputs, labels, first, batch)"
                        : "core.loadTargets(inputs, targets, first, batch)")
                .addStatement("forward(batch$L)", forwardMode(false));
        switch (model.loss()) {
            case SOFTMAX_CROSS_ENTROPY -> evalAccepted
                    .addStatement("lossSum += batch * backend.softmaxCrossEntropy($LY, nativeLabels, null, batch, $L, core.correct())",
                            last, out)
                    .addStatement("hits += core.correct().get()")
                    .endControlFlow()
                    .addStatement("return new $T(lossSum / samples, (double) hits / samples, samples)", EVALUATION);
            case MEAN_SQUARED_ERROR -> evalAccepted
                    .addStatement("lossSum += batch * backend.meanSquaredError($LY, nativeTargets, null, (long) batch * $L)",
                            last, out)
                    .endControlFlow()
                    .addStatement("return new $T(lossSum / samples, Double.NaN, samples)", EVALUATION);
            case BINARY_CROSS_ENTROPY_WITH_LOGITS -> evalAccepted
                    .addStatement("lossSum += batch * backend.bceWithLogits($LY, nativeTargets, null, (long) batch * $L, core.correct())",
                            last, out)
                    .addStatement("hits += core.correct().get()")
                    .endControlFlow()
                    .addStatement("return new $T(lossSum / samples, (double) hits / ((long) samples * $L), samples)",
                            EVALUATION, out);
        }
        type.addMethod(evalLabels.build()).addMethod(evalTargets.build());

        type.addMethod(override("parameters", ParameterizedTypeName.get(ClassName.get(List.class), PARAMETER_INFO))
                .addStatement("return core.parameterInfos()").build());
        type.addMethod(override("parameter", ArrayTypeNameFloat.TYPE).addParameter(String.class, "name")
                .addStatement("return core.parameter(name)").build());
        type.addMethod(override("setParameter", TypeName.VOID).addParameter(String.class, "name")
                .addParameter(float[].class, "values").addStatement("core.setParameter(name, values)").build());
        type.addMethod(override("setLearningRateFactor", TypeName.VOID).addParameter(TypeName.DOUBLE, "factor")
                .addStatement("core.setLearningRateFactor(factor)").build());
        type.addMethod(override("learningRateFactor", TypeName.DOUBLE)
                .addStatement("return core.learningRateFactor()").build());
        type.addMethod(override("state", TRAINER_STATE).addStatement("core.checkOpen()").addStatement("return core").build());
        type.addMethod(override("close", TypeName.VOID)
                .addJavadoc("Applies pending FORWARD updates, then frees the native memory. Idempotent.\n")
                .addStatement("core.close()").build());
    }

    private static MethodSpec.Builder override(String name, TypeName returns) {
        return MethodSpec.methodBuilder(name).addAnnotation(Override.class).addModifiers(Modifier.PUBLIC).returns(returns);
    }

    private static MethodSpec simpleGetter(String name, TypeName type, CodeBlock body) {
        return override(name, type).addStatement(body).build();
    }

    // ---- the step, one method per schedule ----

    private MethodSpec stepMethod() {
        return MethodSpec.methodBuilder("step").addModifiers(Modifier.PRIVATE).returns(TypeName.FLOAT)
                .addParameter(TypeName.INT, "batch")
                .beginControlFlow("if (dp != null)")
                .beginControlFlow("switch (core.schedule())")
                .addStatement("case UNFUSED: return stepUnfusedDataParallel(batch)")
                .addStatement("case BACKWARD: return stepBackwardFusedDataParallel(batch)")
                .addStatement("default: return stepForwardFusedDataParallel(batch)")
                .endControlFlow()
                .endControlFlow()
                .beginControlFlow("switch (core.schedule())")
                .addStatement("case UNFUSED: return stepUnfused(batch)")
                .addStatement("case BACKWARD: return stepBackwardFused(batch)")
                .addStatement("default: return stepForwardFused(batch)")
                .endControlFlow().build();
    }

    private MethodSpec stepUnfused() {
        return MethodSpec.methodBuilder("stepUnfused").addModifiers(Modifier.PRIVATE).returns(TypeName.FLOAT)
                .addJavadoc("UNFUSED: forward, backward into full gradients, then one separate update pass.\n")
                .addParameter(TypeName.INT, "batch")
                .addStatement("forward(batch$L)", forwardMode(true))
                .addStatement("float loss = lossAndGradient(batch)")
                .addStatement("backward(batch)")
                .addCode(accumulate())
                .addCode(clipGradients())
                .addStatement("update(core.beginUpdate(core.completeStep()))")
                .addStatement("return loss").build();
    }

    /**
     * Data-parallel global-norm clipping: once every bucket is reduced, the norm of the averaged gradient (ZeRO-1:
     * of every rank's blocks, one all-reduce of the parts), the same scale on every rank.
     */
    private CodeBlock clipGradientsDataParallel() {
        CodeBlock.Builder code = CodeBlock.builder();
        if (model.clipLayerGradNorm() > 0) {
            code.add("// clip_grad_norm_(layer.parameters(), max_norm = $L) for every layer, on the averaged gradient (sharded:\n",
                            model.clipLayerGradNorm())
                    .add("// this rank's pieces of each layer, one all-reduce of the per-layer sums of squares)\n")
                    .addStatement("dp.clipLayerGradientNorms($L)", model.clipLayerGradNorm());
        }
        if (model.clipGradNorm() == 0) {
            return code.build();
        }
        return code
                .add("// clip_grad_norm_ of the averaged gradient: wait for every bucket (this gives up overlap with the next\n")
                .add("// forward, not with backward), then the same norm and scale on every rank\n")
                .addStatement("dp.clipGradientNorm($L)", model.clipGradNorm()).build();
    }

    /**
     * Data-parallel backward, and accumulation where the model asks for it, as DDP's {@code no_sync}: the
     * micro-batches before a cycle's last keep their gradients local and summed; the last one's buckets carry
     * that sum into their one reduction per cycle (all-reduce, or ZeRO-1's reduce-scatter).
     */
    private CodeBlock backwardAndAccumulateDataParallel() {
        int n = model.accumulateSteps();
        if (n == 1) {
            return CodeBlock.builder().addStatement("backwardDataParallel(batch)").build();
        }
        return CodeBlock.builder()
                .add("// accumulateSteps = $L, without reducing every micro-batch (DDP's no_sync): one before the cycle's\n", n)
                .add("// last keeps its gradient local and summed; the update waits for the last\n")
                .beginControlFlow("if (!core.lastMicroBatch($L))", n)
                .addStatement("backwardDataParallel(batch, false)")
                .addStatement("core.accumulateLocally($L)", n)
                .addStatement("return dp.endStep()")
                .endControlFlow()
                .add("// the last: each bucket becomes the local sum plus this micro-batch's share, reduced once for the cycle\n")
                .addStatement("core.foldLocalSumIntoReductions($L)", n)
                .addStatement("backwardDataParallel(batch, true)")
                .addStatement("core.endAccumulationCycle()")
                .addStatement("dp.awaitAllReductions()").build();
    }

    /** Gradient accumulation, where the model asks for it: only the cycle's last micro-batch goes on to the update. */
    private CodeBlock accumulate() {
        if (model.accumulateSteps() == 1) {
            return CodeBlock.of("");
        }
        return CodeBlock.builder()
                .add("// accumulateSteps = $L: sum this micro-batch's gradient; the update waits for the cycle's last one\n",
                        model.accumulateSteps())
                .beginControlFlow("if (!core.accumulate($L))", model.accumulateSteps())
                .addStatement("return loss")
                .endControlFlow().build();
    }

    /** Global-norm clipping, where the model asks for it: every gradient exists, no update has run. */
    private CodeBlock clipGradients() {
        CodeBlock.Builder code = CodeBlock.builder().add(clipLayerGradients());
        if (model.clipGradNorm() > 0) {
            code.add("// clip_grad_norm_(max_norm = $L): the norm of all gradients, known only now\n", model.clipGradNorm())
                    .addStatement("core.clipGradientNorm($L)", model.clipGradNorm());
        }
        return code.build();
    }

    /** Per-layer norm clipping, where asked: each layer's whole gradient exists, no update has run. */
    private CodeBlock clipLayerGradients() {
        if (model.clipLayerGradNorm() == 0) {
            return CodeBlock.of("");
        }
        return CodeBlock.builder()
                .add("// clip_grad_norm_(layer.parameters(), max_norm = $L) for every layer\n", model.clipLayerGradNorm())
                .addStatement("core.clipLayerGradientNorms($L)", model.clipLayerGradNorm()).build();
    }

    private MethodSpec stepBackwardFused() {
        MethodSpec.Builder m = MethodSpec.methodBuilder("stepBackwardFused").addModifiers(Modifier.PRIVATE)
                .returns(TypeName.FLOAT).addParameter(TypeName.INT, "batch")
                .addJavadoc("BACKWARD: each layer's parameters are updated inside backward as soon as their gradient\n"
                        + "exists; the input gradient is computed from the weights before they change. On the CPU the\n"
                        + "update runs tile by tile inside the gradient kernel and no weight gradient is stored (the\n"
                        + "Grads blocks are null); on a GPU the update kernel follows the layer's gradient product,\n"
                        + "optionally on a second stream that overlaps the rest of backward.\n")
                .addStatement("forward(batch$L)", forwardMode(true))
                .addStatement("float loss = lossAndGradient(batch)")
                .addStatement("long step = core.beginUpdate(core.stepCount() + 1)");
        for (int i = layers.size() - 1; i >= 0; i--) {
            LayerSpec l = layers.get(i);
            if (!tileFused(l)) {
                addLayerBackward(m, i);
                if (l.trainable()) {
                    m.addComment("$L: $L ← $L(its gradient) right after it is computed, while it is in cache  [BACKWARD]",
                            l.name(), paramShapes(l), l.optimizer().kind());
                    addLayerUpdate(m, l, "step");
                }
                continue;
            }
            addActivationBackward(m, l);
            m.addComment("$L: $L ← $L(dzᵀ·x, Σdz) fused right after the layer's gradient, $L  [BACKWARD]", l.name(),
                    paramShapes(l),
                    l.optimizer().kind(), inputGradOf(i).equals("null") ? "first layer: no dx"
                            : "dx = dz·W with the old W first");
            m.addStatement("backend.denseBackwardFused($LHyper, step, $LDy, $L, $L, $LParams, $LGrads,$W$LState0, "
                            + "$LState1, $LState2, batch, $L, $L, threads)", l.name(), l.name(), inputOf(i),
                    inputGradOf(i), l.name(), l.name(), l.name(), l.name(), l.name(), l.in(), l.out());
        }
        return m.addStatement("core.completeStep()").addStatement("return loss").build();
    }

    private MethodSpec stepForwardFused() {
        MethodSpec.Builder m = MethodSpec.methodBuilder("stepForwardFused").addModifiers(Modifier.PRIVATE)
                .returns(TypeName.FLOAT).addParameter(TypeName.INT, "batch")
                .addJavadoc("FORWARD: the previous step's update of each layer runs inside that layer's forward, right before\n"
                        + "its weights are read (on the CPU at small batches block by block, each block multiplied while\n"
                        + "still in cache); this step's gradients are stored for the next.\n")
                .addStatement("long pendingStep = core.beginUpdate(core.stepCount())");
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec l = layers.get(i);
            if (!tileFused(l)) {
                if (l.trainable()) {
                    m.beginControlFlow("if (updatesPending)");
                    m.addComment("$L: $L ← $L(gradient of step t-1) just before their forward use  [FORWARD]",
                            l.name(), paramShapes(l), l.optimizer().kind());
                    addLayerUpdate(m, l, "pendingStep");
                    m.endControlFlow();
                }
                addLayerForward(m, i);
                continue;
            }
            m.beginControlFlow("if (updatesPending)");
            m.addComment("$L: $L ← $L(gradient of step t-1) just before their forward use, then",
                    l.name(), paramShapes(l), l.optimizer().kind());
            m.addComment("y[B,$L] = $L(x[B,$L] · Wᵀ + b)  [FORWARD]", l.out(),
                    l.activation().name().toLowerCase(Locale.ROOT), l.in());
            m.addStatement("backend.denseForwardFused($LHyper, pendingStep, $L, $LParams, $LGrads, $LState0,$W$LState1, "
                            + "$LState2, $LZ, $LY, batch, $L, $L, $T.$L.ordinal(), $Lf, threads)", l.name(),
                    inputOf(i), l.name(), l.name(), l.name(), l.name(), l.name(), l.name(), l.name(), l.in(), l.out(),
                    ACTIVATION, l.activation(), floatLiteral(l.negativeSlope()));
            m.nextControlFlow("else");
            addLayerForward(m, i);
            m.endControlFlow();
        }
        return m.addStatement("updatesPending = false")
                .addStatement("float loss = lossAndGradient(batch)")
                .addStatement("backward(batch)")
                .addCode(accumulate())
                .addCode(clipGradients())
                .addStatement("core.completeStep()")
                .addStatement("updatesPending = true")
                .addStatement("return loss").build();
    }

    // ---- building blocks shared by the schedules ----

    private MethodSpec forward() {
        MethodSpec.Builder m = MethodSpec.methodBuilder("forward").addModifiers(Modifier.PRIVATE)
                .addParameter(TypeName.INT, "batch");
        if (hasTrainingMode()) {
            m.addParameter(TypeName.BOOLEAN, "training")
                    .addJavadoc("{@code training}: a step (dropout draws its masks, batch norm uses the batch's statistics),"
                            + "\nnot predict or evaluate.\n");
        }
        for (int i = 0; i < layers.size(); i++) {
            addLayerForward(m, i, "training");
        }
        return m.build();
    }

    /** Whether a layer's forward differs between training steps and predict or evaluate. */
    private boolean hasTrainingMode() {
        return layers.stream().anyMatch(l -> l.kind() == LayerSpec.Kind.DROPOUT || l.kind() == LayerSpec.Kind.BATCH_NORM);
    }

    /** The arguments after {@code batch} of a call to forward(): whether it is a training pass, where that matters. */
    private String forwardMode(boolean training) {
        return hasTrainingMode() ? ", " + training : "";
    }

    private void addLayerForward(MethodSpec.Builder m, int i) {
        addLayerForward(m, i, "true");
    }

    /** {@code training}: the Java expression that says whether this is a training pass (dropout and batch norm care). */
    private void addLayerForward(MethodSpec.Builder m, int i, String training) {
        addLayerForward(m, i, training, false);
    }

    /**
     * {@code synchronised}: a data-parallel training pass, where batch norm normalises by the whole batch's
     * statistics (its sums all-reduced across ranks).
     */
    private void addLayerForward(MethodSpec.Builder m, int i, String training, boolean synchronised) {
        LayerSpec l = layers.get(i);
        String act = l.activation().name().toLowerCase(Locale.ROOT);
        List<Integer> in = l.inShape();
        switch (l.kind()) {
            case DENSE -> {
                m.addComment("$L: y[B,$L] = $L(x[B,$L] · W[$L,$L]ᵀ + b[$L])", l.name(), l.out(), act, l.in(), l.out(),
                        l.in(), l.out());
                m.addStatement("backend.denseForward($L, $LParams, $LZ, $LY, batch, $L, $L,$W$T.$L.ordinal(), $Lf)",
                        inputOf(i), l.name(), l.name(), l.name(), l.in(), l.out(), ACTIVATION, l.activation(),
                        floatLiteral(l.negativeSlope()));
            }
            case CONV2D -> {
                m.addComment("$L: y$L = $L(conv(x$L; $L; $L))", l.name(), batchShape(l.outShape()), act,
                        batchShape(in), paramShapes(l), window(l));
                m.addStatement("backend.conv2dForward($L, $LParams, $LZ, $LY, batch, $L,$W$T.$L.ordinal(), $Lf)",
                        inputOf(i), l.name(), l.name(), l.name(), convGeometry(l), ACTIVATION, l.activation(),
                        floatLiteral(l.negativeSlope()));
            }
            case MAX_POOL2D, AVG_POOL2D -> {
                m.addComment("$L: y$L = $L pool of x$L, $L", l.name(), batchShape(l.outShape()),
                        l.kind() == LayerSpec.Kind.MAX_POOL2D ? "max" : "average", batchShape(in), window(l));
                m.addStatement("backend.pool2dForward($L, $L, $LY, batch, $L, $L, $L, $L, $L, $L)",
                        l.kind() == LayerSpec.Kind.MAX_POOL2D, inputOf(i), l.name(), in.get(0), in.get(1), in.get(2),
                        l.kernel(), l.stride(), l.padding());
            }
            case DROPOUT -> {
                m.addComment("$L: y = x ⊙ mask / (1 - $L) in a training step (mask from seed, layer, step), else y = x",
                        l.name(), l.rate());
                // masks are indexed by the sample's place in the whole batch: a data-parallel rank draws its slice's
                String first = training.equals("true") ? "core.firstSample() * " + l.in() : "0L";
                m.addStatement("backend.dropoutForward($L, $LMask, $LY, (long) batch * $L, $Lf, core.seed(), "
                        + "core.dropoutCounter(), $L, $L, $L)", inputOf(i), l.name(), l.name(), l.in(),
                        floatLiteral(l.rate()), i, first, training);
            }
            case EMBEDDING -> {
                m.addComment("$L: y[B,$L] = the rows W[id] of the $L ids of each sample, concatenated", l.name(), l.out(),
                        l.in());
                m.addStatement("backend.embeddingForward(input, $LParams, $LY, batch, $L, $L)", l.name(), l.name(), l.in(),
                        l.units());
            }
            case LAYER_NORM -> {
                m.addComment("$L: y$L = $L(γ ⊙ (x - mean) / √(var + $L) + β), mean and var over each sample", l.name(),
                        batchShape(in), act, l.eps());
                m.addStatement("backend.layerNormForward($L, $LParams, $LStats, $LZ, $LY, batch, $L, $Lf,$W$T.$L.ordinal(), "
                        + "$Lf)", inputOf(i), l.name(), l.name(), l.name(), l.name(), l.in(), floatLiteral(l.eps()),
                        ACTIVATION, l.activation(), floatLiteral(l.negativeSlope()));
            }
            case BATCH_NORM -> {
                m.addComment("$L: y$L = $L(γ ⊙ (x - mean) / √(var + $L) + β) per channel: the batch's mean and var in "
                        + "training (running ones move by $L), else the running ones", l.name(), batchShape(in), act,
                        l.eps(), l.momentum());
                if (l.spatial() == 1) {
                    if (training.equals("true")) {
                        m.addStatement("core.requireBatchStatistics($S, batch)", l.name());
                    } else {
                        m.beginControlFlow("if ($L)", training)
                                .addStatement("core.requireBatchStatistics($S, batch)", l.name()).endControlFlow();
                    }
                }
                if (synchronised) {
                    m.addComment("$L: synchronised: the whole batch's per-channel mean and variance, all-reduced", l.name());
                    m.addStatement("dp.batchNormForward($L, $LParams, $LStats, $LRunning, $LZ, $LY, batch, $L, $L, $Lf, $Lf,"
                            + "$W$T.$L.ordinal(), $Lf)", inputOf(i), l.name(), l.name(), l.name(), l.name(), l.name(),
                            in.get(0), l.spatial(), floatLiteral(l.eps()), floatLiteral(l.momentum()), ACTIVATION,
                            l.activation(), floatLiteral(l.negativeSlope()));
                } else {
                    m.addStatement("backend.batchNormForward($L, $LParams, $LStats, $LRunning, $LZ, $LY, batch, $L, $L, "
                            + "$Lf, $Lf,$W$L, $T.$L.ordinal(), $Lf)", inputOf(i), l.name(), l.name(), l.name(), l.name(),
                            l.name(), in.get(0), l.spatial(), floatLiteral(l.eps()), floatLiteral(l.momentum()), training,
                            ACTIVATION, l.activation(), floatLiteral(l.negativeSlope()));
                }
            }
            case FLATTEN -> m.addComment("$L: x$L viewed as $L (NCHW is already row-major: no copy)", l.name(),
                    batchShape(in), batchShape(l.outShape()));
        }
    }

    /** Channels, height, width, filters, kernel, stride, padding: a conv kernel's geometry arguments. */
    private static String convGeometry(LayerSpec l) {
        List<Integer> in = l.inShape();
        return in.get(0) + ", " + in.get(1) + ", " + in.get(2) + ", " + l.outShape().get(0) + ", " + l.kernel() + ", "
                + l.stride() + ", " + l.padding();
    }

    /** The unfused rule over one layer's block: a layer whose update does not live in a fused kernel. */
    private void addLayerUpdate(MethodSpec.Builder m, LayerSpec l, String step) {
        if (l.kind() == LayerSpec.Kind.EMBEDDING) {
            int i = layers.indexOf(l);
            m.addStatement("backend.embeddingUpdate($LHyper, $L, $LParams, $LGrads, $LState0, $LState1, $LState2,$W"
                            + "core.embeddingRows($L), core.embeddingMarks($L), core.touchedRows($L), $L, threads)", l.name(),
                    step, l.name(), l.name(), l.name(), l.name(), l.name(), i, i, i, l.units());
            m.addStatement("core.setTouchedRows($L, 0)", i);
            return;
        }
        if (ownsUpdatePass(l)) {
            m.addComment("$L", l.optimizer().kind().layerwise() ? l.optimizer().kind() + ": weight and bias each scaled "
                    + "by its own trust ratio" : "weight decay on the weights only");
            m.addStatement("backend.optimUpdateLayer($LHyper, $L, $LParams, $LGrads,$W$LState0, $LState1, $LState2, $LL, $LL, "
                    + "threads)", l.name(), step, l.name(), l.name(), l.name(), l.name(), l.name(), l.weightCount(),
                    l.parameterCount());
            return;
        }
        m.addStatement("backend.optimUpdate($LHyper, $L, $LParams, $LGrads,$W$LState0, $LState1, $LState2, $LL, threads)",
                l.name(), step, l.name(), l.name(), l.name(), l.name(), l.name(), l.parameterCount());
    }

    /**
     * Whether a layer's update runs inside the dense kernels tile by tile (BACKWARD) or block by block (FORWARD):
     * dense layers with an element-wise rule. The others update right after their whole gradient, or just before
     * their forward.
     */
    /**
     * Whether a layer's update tells its weights from its biases (a layer-wise rule's tensors, or decay on the
     * weights only), so that it cannot share a sweep with other layers.
     */
    private static boolean ownsUpdatePass(LayerSpec l) {
        return l.optimizer().kind().layerwise()
                || (l.optimizer().decay() == WeightDecay.WEIGHTS_ONLY && l.optimizer().get("weightDecay") != 0);
    }

    private static boolean tileFused(LayerSpec l) {
        return l.kind() == LayerSpec.Kind.DENSE && !l.optimizer().kind().layerwise();
    }

    private MethodSpec lossAndGradient() {
        LayerSpec last = layers.get(layers.size() - 1);
        MethodSpec.Builder m = MethodSpec.methodBuilder("lossAndGradient").addModifiers(Modifier.PRIVATE)
                .returns(TypeName.FLOAT).addParameter(TypeName.INT, "batch")
                .addJavadoc("Mean loss of the batch; writes d loss / d output into the last layer's gradient buffer.\n");
        switch (model.loss()) {
            case SOFTMAX_CROSS_ENTROPY -> m.addStatement(
                    "return (float) backend.softmaxCrossEntropy($LY, nativeLabels, $LDy, batch, $L, null)",
                    last.name(), last.name(), last.out());
            case MEAN_SQUARED_ERROR -> m.addStatement(
                    "return (float) backend.meanSquaredError($LY, nativeTargets, $LDy, (long) batch * $L)",
                    last.name(), last.name(), last.out());
            case BINARY_CROSS_ENTROPY_WITH_LOGITS -> m.addStatement(
                    "return (float) backend.bceWithLogits($LY, nativeTargets, $LDy, (long) batch * $L, null)",
                    last.name(), last.name(), last.out());
        }
        return m.build();
    }

    private MethodSpec backward() {
        MethodSpec.Builder m = MethodSpec.methodBuilder("backward").addModifiers(Modifier.PRIVATE)
                .addParameter(TypeName.INT, "batch")
                .addJavadoc("Full gradients for UNFUSED and FORWARD: G = dzᵀ·x, Σdz and dx = dz·W, layer by layer.\n");
        for (int i = layers.size() - 1; i >= 0; i--) {
            addLayerBackward(m, i);
        }
        return m.build();
    }

    /** Layer i's activation backward, then its weight gradient and (but for the first layer) dx. */
    private void addLayerBackward(MethodSpec.Builder m, int i) {
        addLayerBackward(m, i, false);
    }

    /** {@code synchronised}: data-parallel, where batch norm's input gradient needs the whole batch's sums. */
    private void addLayerBackward(MethodSpec.Builder m, int i, boolean synchronised) {
        LayerSpec l = layers.get(i);
        boolean dx = !inputGradOf(i).equals("null");
        List<Integer> in = l.inShape();
        addActivationBackward(m, l);
        switch (l.kind()) {
            case DENSE -> {
                m.addComment("$L: gradients of $L$L", l.name(), paramShapes(l), dx ? ", and dx" : "");
                m.addStatement("backend.denseBackward($LDy, $L, $LParams, $LGrads, $L, batch, $L, $L)", l.name(),
                        inputOf(i), l.name(), l.name(), inputGradOf(i), l.in(), l.out());
            }
            case CONV2D -> {
                m.addComment("$L: gradients of $L$L", l.name(), paramShapes(l), dx ? ", and dx (with the old W)" : "");
                m.addStatement("backend.conv2dBackward($LDy, $L, $LParams, $LGrads, $L, batch, $L)", l.name(),
                        inputOf(i), l.name(), l.name(), inputGradOf(i), convGeometry(l));
            }
            case MAX_POOL2D, AVG_POOL2D -> {
                if (dx) {
                    m.addComment("$L: dx$L from dy$L", l.name(), batchShape(in), batchShape(l.outShape()));
                    m.addStatement("backend.pool2dBackward($L, $LDy, $L, $L, batch, $L, $L, $L, $L, $L, $L)",
                            l.kind() == LayerSpec.Kind.MAX_POOL2D, l.name(), inputOf(i), inputGradOf(i), in.get(0),
                            in.get(1), in.get(2), l.kernel(), l.stride(), l.padding());
                }
            }
            case DROPOUT -> {
                if (dx) {
                    m.addComment("$L: dx = dy ⊙ mask / (1 - $L)", l.name(), l.rate());
                    m.addStatement("backend.dropoutBackward($LDy, $LMask, $L, (long) batch * $L)", l.name(), l.name(),
                            inputGradOf(i), l.in());
                }
            }
            case EMBEDDING -> {
                m.addComment("$L: gradient rows of the ids looked up (Σ over their lookups$L), listed for the sparse update",
                        l.name(), model.accumulateSteps() > 1 ? ", and over the accumulation cycle" : "");
                m.addStatement("core.setTouchedRows($L, backend.embeddingBackward(input, $LDy, $LGrads, "
                        + "core.embeddingRows($L),$Wcore.embeddingMarks($L), core.touchedRows($L), batch, $L, $L, $Lf))", i,
                        l.name(), l.name(), i, i, i, l.in(), l.units(), floatLiteral(1.0 / model.accumulateSteps()));
            }
            case LAYER_NORM -> {
                m.addComment("$L: gradients of $L$L", l.name(), paramShapes(l), dx ? ", and dx (with the old γ)" : "");
                m.addStatement("backend.layerNormBackward($LDy, $L, $LParams, $LStats, $LGrads, $L, batch, $L)", l.name(),
                        inputOf(i), l.name(), l.name(), l.name(), inputGradOf(i), l.in());
            }
            case BATCH_NORM -> {
                m.addComment("$L: gradients of $L$L, through the batch's statistics", l.name(), paramShapes(l),
                        dx ? ", and dx (with the old γ)" : "");
                m.addStatement("$L.batchNormBackward($LDy, $L, $LParams, $LStats, $LGrads, $L, batch, $L, $L)",
                        synchronised ? "dp" : "backend", l.name(), inputOf(i), l.name(), l.name(), l.name(),
                        inputGradOf(i), in.get(0), l.spatial());
            }
            case FLATTEN -> {
            }
        }
    }

    private void addActivationBackward(MethodSpec.Builder m, LayerSpec l) {
        if (l.activation() == Activation.IDENTITY) {
            return;
        }
        m.addComment("$L: dz$L = dy ⊙ $L'(z)", l.name(), batchShape(l.outShape()),
                l.activation().name().toLowerCase(Locale.ROOT));
        m.addStatement("backend.activationBackward($T.$L.ordinal(), $Lf,$W$LZ, $LY, $LDy, (long) batch * $L)",
                ACTIVATION, l.activation(), floatLiteral(l.negativeSlope()), l.name(), l.name(), l.name(), l.out());
    }

    /** UNFUSED update: one pass per run of consecutive layers sharing an optimizer (their blocks are contiguous). */
    private MethodSpec update() {
        MethodSpec.Builder m = MethodSpec.methodBuilder("update").addModifiers(Modifier.PRIVATE)
                .addParameter(TypeName.LONG, "step")
                .addJavadoc("The separate update pass: one vectorised sweep over each run of layers that share an optimizer.\n");
        for (LayerSpec l : layers) {
            if (l.kind() == LayerSpec.Kind.EMBEDDING) {
                m.addComment("$L: the rows its batch looked up only (sparse), $L", l.name(), l.optimizer().describe());
                addLayerUpdate(m, l, "step");
            }
        }
        for (List<LayerSpec> group : groupsByOptimizer()) {
            LayerSpec first = group.get(0);
            if (ownsUpdatePass(first)) {
                m.addComment("$L: $L parameters, $L", first.name(), first.parameterCount(), first.optimizer().describe());
                addLayerUpdate(m, first, "step");
                continue;
            }
            long count = 0;
            List<String> names = new ArrayList<>();
            for (LayerSpec l : group) {
                count += l.parameterCount();
                names.add(l.name());
            }
            m.addComment("$L: $L parameters, $L", String.join(", ", names), count, first.optimizer().describe());
            m.addStatement("backend.optimUpdate($LHyper, step, $LParams, $LGrads,$W$LState0, $LState1, $LState2, $LL, threads)",
                    first.name(), first.name(), first.name(), first.name(), first.name(), first.name(), count);
        }
        return m.build();
    }

    private List<List<LayerSpec>> groupsByOptimizer() {
        List<List<LayerSpec>> groups = new ArrayList<>();
        for (LayerSpec l : layers) {
            if (!l.trainable() || l.kind() == LayerSpec.Kind.EMBEDDING) {
                continue;  // no parameters (the blocks on either side are contiguous), or a sparse update of its own
            }
            // a layer-wise rule takes each layer's tensors separately: such a layer is a group of its own
            if (!groups.isEmpty() && groups.get(groups.size() - 1).get(0).optimizer().equals(l.optimizer())
                    && !ownsUpdatePass(l)) {
                groups.get(groups.size() - 1).add(l);
            } else {
                groups.add(new ArrayList<>(List.of(l)));
            }
        }
        return groups;
    }

    private MethodSpec applyPendingUpdates() {
        return MethodSpec.methodBuilder("applyPendingUpdates").addModifiers(Modifier.PRIVATE)
                .addJavadoc("FORWARD: applies stored updates now, so that nothing reads stale weights.\n")
                .beginControlFlow("if (core.isClosed())")
                .addStatement("return")
                .endControlFlow()
                .beginControlFlow("if (updatesPending && dp == null)")
                .addStatement("update(core.beginUpdate(core.stepCount()))")
                .nextControlFlow("else if (updatesPending)")
                .addStatement("long step = core.beginUpdate(core.stepCount())")
                .addCode(dataParallelUpdates("step"))
                .endControlFlow()
                .addStatement("updatesPending = false")
                .beginControlFlow("if (dp != null)")
                .addStatement("dp.awaitAllWeights()")
                .endControlFlow().build();
    }

    // ---- data-parallel: the same schedules, with the gradient reduced across ranks in buckets ----

    private CodeBlock bucketJavadoc() {
        CodeBlock.Builder doc = CodeBlock.builder()
                .add("Data-parallel gradient buckets, planned at compile time in backward order (capacity $L floats,\n",
                        model.bucketFloats())
                .add("{@code @Model(bucketFloats)}); each is reduced right after the gradient of the layer that completes it:\n")
                .add("<pre>\n");
        for (int k = 0; k < buckets.size(); k++) {
            BucketPlanner.Bucket b = buckets.get(k);
            doc.add("bucket $L: [$L, $L), $L floats, after $L's gradient\n", k, b.start(), b.end(), b.length(),
                    layers.get(b.completingLayer()).name());
        }
        return doc.add("</pre>\n").build();
    }

    private CodeBlock bucketInitializer() {
        List<String> starts = new ArrayList<>();
        for (BucketPlanner.Bucket b : buckets) {
            starts.add(b.start() + "L");
        }
        return CodeBlock.of("new $T(LAYOUT, new long[] {$L})", BUCKET_PLAN, String.join(", ", starts));
    }

    /** The stage (layer index) after whose gradient every bucket holding {@code layer} has been started. */
    private int readyStage(int layer) {
        LayerSpec l = layers.get(layer);
        long from = offsetOf(layer);
        long to = from + l.parameterCount();
        int ready = layer;
        for (BucketPlanner.Bucket b : buckets) {
            if (b.start() < to && b.end() > from) {
                ready = Math.min(ready, b.completingLayer());
            }
        }
        return ready;
    }

    private long offsetOf(int layer) {
        long offset = 0;
        for (int i = 0; i < layer; i++) {
            offset += layers.get(i).parameterCount();
        }
        return offset;
    }

    private void addReductions(MethodSpec.Builder m, int layer) {
        for (int k = 0; k < buckets.size(); k++) {
            BucketPlanner.Bucket b = buckets.get(k);
            if (b.completingLayer() == layer) {
                m.addComment("bucket $L, floats [$L, $L): reduced on the communication thread while backward goes on",
                        k, b.start(), b.end());
                m.addStatement("dp.reduce($L)", k);
            }
        }
    }

    private CodeBlock dataParallelUpdates(String step) {
        CodeBlock.Builder code = CodeBlock.builder();
        for (int i = layers.size() - 1; i >= 0; i--) {
            if (layers.get(i).trainable()) {
                code.addStatement("dp.update($L, $L)", i, step);
            }
        }
        return code.build();
    }

    private MethodSpec.Builder dataParallelStep(String name, String doc) {
        return MethodSpec.methodBuilder(name).addModifiers(Modifier.PRIVATE).returns(TypeName.FLOAT)
                .addParameter(TypeName.INT, "batch").addJavadoc(doc)
                .addStatement("dp.beginStep(batch)");
    }

    private void addLossAndScale(MethodSpec.Builder m) {
        LayerSpec last = layers.get(layers.size() - 1);
        m.addStatement("float loss = lossAndGradient(batch)")
                .addComment("this rank's share of the whole batch's mean: dy × localBatch / totalBatch")
                .addStatement("dp.scaleLossGradient(loss, $LDy, (long) batch * $L)", last.name(), last.out());
    }

    private MethodSpec stepUnfusedDataParallel() {
        MethodSpec.Builder m = dataParallelStep("stepUnfusedDataParallel",
                "UNFUSED, data-parallel: buckets are reduced during backward; the update pass follows it.\n")
                .addStatement("forwardDataParallel(batch)");
        addLossAndScale(m);
        m.addCode(backwardAndAccumulateDataParallel())
                .addCode(clipGradientsDataParallel())
                .addStatement("long step = core.beginUpdate(core.completeStep())")
                .addComment("every layer: W, b ← optimizer(averaged gradient)")
                .addCode(dataParallelUpdates("step"));
        return m.addStatement("return dp.endStep()").build();
    }

    private MethodSpec stepBackwardFusedDataParallel() {
        MethodSpec.Builder m = dataParallelStep("stepBackwardFusedDataParallel",
                "BACKWARD, data-parallel: each layer's update runs inside backward as soon as its buckets are reduced\n"
                        + "(one layer later than its gradient, so that its reduction overlaps the next layer's backward), with\n"
                        + "the gradient averaged over every rank's samples.\n")
                .addStatement("forwardDataParallel(batch)");
        addLossAndScale(m);
        m.addStatement("long step = core.beginUpdate(core.stepCount() + 1)");
        for (int i = layers.size() - 1; i >= 0; i--) {
            addLayerBackward(m, i, true);
            addReductions(m, i);
            addFusedUpdates(m, i + 1);
        }
        addFusedUpdates(m, 0);
        return m.addStatement("core.completeStep()").addStatement("return dp.endStep()").build();
    }

    private void addFusedUpdates(MethodSpec.Builder m, int stage) {
        for (int j = layers.size() - 1; j >= 0; j--) {
            if (layers.get(j).trainable() && readyStage(j) == stage) {
                LayerSpec l = layers.get(j);
                m.addComment("$L: $L ← $L(averaged gradient) once its buckets are reduced  [BACKWARD, data-parallel]",
                        l.name(), paramShapes(l), l.optimizer().kind());
                m.addStatement("dp.update($L, step)", j);
            }
        }
    }

    private MethodSpec stepForwardFusedDataParallel() {
        MethodSpec.Builder m = dataParallelStep("stepForwardFusedDataParallel",
                "FORWARD, data-parallel: the previous step's buckets were reduced while it finished; each layer's update\n"
                        + "runs fused into its forward once its buckets are in (sharded: the update of this rank's blocks and\n"
                        + "the weights' all-gather run just before the forward instead).\n")
                .addStatement("long pendingStep = core.beginUpdate(core.stepCount())");
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec l = layers.get(i);
            if (!tileFused(l)) {
                if (l.trainable()) {
                    m.beginControlFlow("if (updatesPending && dp.fuseIntoForward($L, pendingStep))", i);
                    m.addComment("$L: $L ← $L(averaged gradient of step t-1) just before its forward use  [FORWARD]",
                            l.name(), paramShapes(l), l.optimizer().kind());
                    addLayerUpdate(m, l, "pendingStep");
                    m.nextControlFlow("else");
                    m.addStatement("dp.awaitWeights($L)", i);
                    m.endControlFlow();
                }
                addLayerForward(m, i, "true", true);
                continue;
            }
            m.beginControlFlow("if (updatesPending && dp.fuseIntoForward($L, pendingStep))", i);
            m.addComment("$L: $L ← $L(averaged gradient of step t-1), fused into y = $L(x · Wᵀ + b)  [FORWARD]",
                    l.name(), paramShapes(l), l.optimizer().kind(), l.activation().name().toLowerCase(Locale.ROOT));
            m.addStatement("backend.denseForwardFused($LHyper, pendingStep, $L, $LParams, $LGrads, $LState0,$W$LState1, "
                            + "$LState2, $LZ, $LY, batch, $L, $L, $T.$L.ordinal(), $Lf, threads)", l.name(),
                    inputOf(i), l.name(), l.name(), l.name(), l.name(), l.name(), l.name(), l.name(), l.in(), l.out(),
                    ACTIVATION, l.activation(), floatLiteral(l.negativeSlope()));
            m.nextControlFlow("else");
            m.addStatement("dp.awaitWeights($L)", i);
            addLayerForward(m, i, "true", true);
            m.endControlFlow();
        }
        m.addStatement("updatesPending = false");
        addLossAndScale(m);
        return m.addCode(backwardAndAccumulateDataParallel())
                .addCode(clipGradientsDataParallel())
                .addStatement("core.completeStep()")
                .addStatement("updatesPending = true")
                .addStatement("return dp.endStep()").build();
    }

    private MethodSpec forwardDataParallel() {
        MethodSpec.Builder m = MethodSpec.methodBuilder("forwardDataParallel").addModifiers(Modifier.PRIVATE)
                .addParameter(TypeName.INT, "batch")
                .addJavadoc("Forward, each layer after its weights' all-gather (if one is pending: sharded mode).\n");
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).trainable()) {
                m.addStatement("dp.awaitWeights($L)", i);
            }
            addLayerForward(m, i, "true", true);
        }
        return m.build();
    }

    private MethodSpec backwardDataParallel() {
        boolean accumulating = model.accumulateSteps() > 1;
        MethodSpec.Builder m = MethodSpec.methodBuilder("backwardDataParallel").addModifiers(Modifier.PRIVATE)
                .addParameter(TypeName.INT, "batch")
                .addJavadoc("Full gradients, each bucket's reduction started as soon as the bucket is complete"
                        + (accumulating ? "\n(where {@code reduce}: not on an accumulation cycle's earlier micro-batches)" : "")
                        + ".\n");
        if (accumulating) {
            m.addParameter(TypeName.BOOLEAN, "reduce");
        }
        for (int i = layers.size() - 1; i >= 0; i--) {
            addLayerBackward(m, i, true);
            int layer = i;
            if (accumulating) {
                if (buckets.stream().anyMatch(b -> b.completingLayer() == layer)) {
                    m.beginControlFlow("if (reduce)");
                    addReductions(m, i);
                    m.endControlFlow();
                }
                continue;
            }
            addReductions(m, i);
        }
        return m.build();
    }

    // ---- names ----

    /** The buffer a layer reads: the output of the nearest earlier layer that is not a Flatten (a view). */
    private String inputOf(int layer) {
        int producer = producerBefore(layer);
        return producer < 0 ? "input" : layers.get(producer).name() + "Y";
    }

    /** Where a layer writes its input's gradient; "null" when nothing before it needs one. */
    private String inputGradOf(int layer) {
        int producer = producerBefore(layer);
        return producer < 0 ? "null" : layers.get(producer).name() + "Dy";
    }

    private int producerBefore(int layer) {
        int i = layer - 1;
        while (i >= 0 && layers.get(i).kind() == LayerSpec.Kind.FLATTEN) {
            i--;
        }
        return i;
    }

    /** The buffers a layer's kind uses; Flatten has none (the next layer reads its producer's). */
    private static List<String> bufferSuffixes(LayerSpec l) {
        return switch (l.kind()) {
            case DENSE, CONV2D -> List.of("Params", "Grads", "State0", "State1", "State2", "Z", "Y", "Dy");
            case MAX_POOL2D, AVG_POOL2D -> List.of("Y", "Dy");
            case FLATTEN -> List.of();
            case DROPOUT -> List.of("Y", "Dy", "Mask");
            case EMBEDDING -> List.of("Params", "Grads", "State0", "State1", "State2", "Y", "Dy");
            case LAYER_NORM -> List.of("Params", "Grads", "State0", "State1", "State2", "Z", "Y", "Dy", "Stats");
            case BATCH_NORM -> List.of("Params", "Grads", "State0", "State1", "State2", "Z", "Y", "Dy", "Stats", "Running");
        };
    }

    private static String paramShapes(LayerSpec l) {
        if (l.kind() == LayerSpec.Kind.EMBEDDING) {
            return "W[" + l.vocabulary() + "," + l.units() + "] (rows looked up)";
        }
        if (l.kind().normalisation()) {
            return "γ[" + l.weightCount() + "], β[" + l.weightCount() + "]";
        }
        if (l.kind() == LayerSpec.Kind.CONV2D) {
            return "W[" + l.outShape().get(0) + "," + l.inShape().get(0) + "," + l.kernel() + "," + l.kernel() + "], b["
                    + l.outShape().get(0) + "]";
        }
        return "W[" + l.out() + "," + l.in() + "], b[" + l.out() + "]";
    }

    /** {@code [B,32,14,14]}: a per-sample shape with the batch in front. */
    private static String batchShape(List<Integer> shape) {
        StringBuilder text = new StringBuilder("[B");
        shape.forEach(d -> text.append(',').append(d));
        return text.append(']').toString();
    }

    /** {@code 3x3 stride 1 padding 1}. */
    private static String window(LayerSpec l) {
        return l.kernel() + "x" + l.kernel() + " stride " + l.stride() + (l.padding() > 0 ? " padding " + l.padding() : "");
    }

    private static String floatLiteral(double v) {
        return Float.toString((float) v);
    }

    private static String doubleLiteral(double v) {
        return Double.isNaN(v) ? "Double.NaN" : Double.toString(v);
    }

    /** {@code float[]} as a JavaPoet type. */
    private static final class ArrayTypeNameFloat {
        static final TypeName TYPE = com.palantir.javapoet.ArrayTypeName.of(TypeName.FLOAT);
    }
}
