package dev.fusedtrainer.benchmarks;

import dev.fusedtrainer.annotations.Schedule;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The step-time runner: for each configuration, times the full training step under every schedule
 * side by side, the PyTorch peer on the same configuration, and relates both to this machine's
 * measured limits. Writes a markdown table (stdout, or --markdown) and JSON (--json).
 */
@Command(name = "benchmarks/run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Times FusedTrainer's training step (forward, backward, update) of an MLP 784 -> depth x width ReLU"
                    + " -> 10 (softmax cross-entropy) under the UNFUSED, BACKWARD and FORWARD schedules,"
                    + " interleaved round by round, next to PyTorch's standard loop and optimizer-in-backward,"
                    + " and against the machine's floor (sgemm rate, triad bandwidth).",
            "Every list option takes comma-separated values; a dimension not given takes the default matrix's"
                    + " values: width 256,1024,2048; depth 3; batch 1,16,128; optimizer sgd-momentum,adam;"
                    + " threads 1,2."})
public final class BenchmarkRunner implements Callable<Integer> {

    @Option(names = "--width", split = ",", paramLabel = "N", description = "Hidden width(s).")
    List<Integer> widths;

    @Option(names = "--depth", split = ",", paramLabel = "N", description = "Hidden layer count(s).")
    List<Integer> depths;

    @Option(names = "--batch", split = ",", paramLabel = "N", description = "Batch size(s).")
    List<Integer> batches;

    @Option(names = "--optimizer", split = ",", paramLabel = "NAME", description = "sgd-momentum and/or adam.")
    List<String> optimizers;

    @Option(names = "--threads", split = ",", paramLabel = "N", description = "Thread count(s), kernels and PyTorch alike.")
    List<Integer> threads;

    @Option(names = "--matrix", description = "Run the whole default matrix (what no dimension options gives too).")
    boolean matrix;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the results as JSON.")
    Path json;

    @Option(names = "--markdown", paramLabel = "FILE", description = "Write the markdown report here instead of stdout.")
    Path markdown;

    @Option(names = "--quick", description = "Tiny time budget and small limit measurements (smoke runs; numbers are noise).")
    boolean quick;

    @Option(names = "--warmup-ms", paramLabel = "MS", description = "Warm-up per configuration (default 400).")
    Double warmupMs;

    @Option(names = "--measure-ms", paramLabel = "MS", description = "Measuring time per configuration (default 1500).")
    Double measureMs;

    @Option(names = "--min-rounds", paramLabel = "N", description = "Fewest measured rounds (default 9).")
    Integer minRounds;

    @Option(names = "--no-torch", description = "Skip the PyTorch peer.")
    boolean noTorch;

    @Option(names = "--python", paramLabel = "PATH", defaultValue = "/usr/bin/python3",
            description = "Python with torch for the peer (default ${DEFAULT-VALUE}).")
    String python;

    @Option(names = "--no-memory", description = "Skip the peak-memory probes (fresh processes, width-2048 model).")
    boolean noMemory;

    @Option(names = "--memory-width", paramLabel = "N", defaultValue = "2048",
            description = "Width of the model whose peak memory is probed (default ${DEFAULT-VALUE}).")
    int memoryWidth;

    private final PrintStream log;

    public BenchmarkRunner() {
        this(System.err);
    }

    BenchmarkRunner(PrintStream log) {
        this.log = log;
    }

    public static void main(String[] args) {
        System.exit(execute(args, System.out, System.err));
    }

    /** Runs the command line; for tests, which call it in-process. */
    public static int execute(String[] args, PrintStream out, PrintStream err) {
        CommandLine cli = new CommandLine(new BenchmarkRunner(err));
        cli.setOut(new java.io.PrintWriter(out, true));
        cli.setErr(new java.io.PrintWriter(err, true));
        cli.setExecutionExceptionHandler((e, line, parse) -> {
            if (e instanceof IllegalArgumentException) {
                err.println("error: " + e.getMessage());
                return 2;
            }
            throw e;
        });
        return cli.execute(args);
    }

    @Override
    public Integer call() throws Exception {
        List<StepBench.Config> configs = configs();
        StepBench.Budget budget = budget();
        Map<String, Object> machine = Machine.describe();
        log.println("# " + configs.size() + " configurations on " + machine.get("cpu") + ", "
                + machine.get("cores") + " cores");

        Map<Integer, MachineLimits.Limits> limits = new LinkedHashMap<>();
        for (StepBench.Config c : configs) {
            limits.computeIfAbsent(c.threads(), t -> {
                MachineLimits.Limits l = quick ? MachineLimits.measure(t, 256, 1L << 20, 2)
                        : MachineLimits.measure(t, 2048, 32L << 20, 5);
                log.printf(java.util.Locale.ROOT, "# limits, %d thread(s): sgemm %d^3 %.1f GFLOP/s (median %.1f), "
                                + "triad %.1f GB/s (median %.1f)%n", t, l.sgemmSize(), l.sgemmGflops().best(),
                        l.sgemmGflops().median(), l.triadGBps().best(), l.triadGBps().median());
                return l;
            });
        }

        String[] whyNot = new String[1];
        TorchPeer torch = noTorch ? null : TorchPeer.start(python, peerScript(), whyNot);
        String torchNote = noTorch ? "skipped (--no-torch)" : torch == null ? "skipped: " + whyNot[0] : null;
        if (torchNote != null) {
            log.println("# PyTorch peer " + torchNote);
        }
        List<Object> verifications = new ArrayList<>();
        List<Report.Row> rows = new ArrayList<>();
        try {
            if (torch != null) {
                for (String opt : new LinkedHashSet<>(configs.stream().map(c -> c.optimizer().cliName).toList())) {
                    String v = torch.verify(256, 3, 16, opt, 1);
                    Map<String, Object> check = new LinkedHashMap<>();
                    check.put("optimizer", opt);
                    check.put("steps", (int) TorchPeer.number(v, "steps"));
                    check.put("max_abs_diff", TorchPeer.number(v, "max_abs_diff"));
                    check.put("max_update", TorchPeer.number(v, "max_update"));
                    check.put("same", v.contains("\"same\": true"));
                    verifications.add(check);
                    log.println("# PyTorch optimizer-in-backward vs standard loop, " + opt + ": " + v);
                }
            }
            int i = 0;
            Map<String, MachineLimits.Rate> bandwidths = new LinkedHashMap<>();
            for (StepBench.Config c : configs) {
                StepBench.Result ft = StepBench.run(c, budget, torch);
                TorchPeer.Result pt = ft.torch();
                Report.Row row = new Report.Row(c, ft.steps(), ft.forwardOnly(), pt, floor(c, limits.get(c.threads()), bandwidths));
                rows.add(row);
                log.println("# [" + ++i + "/" + configs.size() + "] " + Report.progressLine(row));
            }
        } finally {
            if (torch != null) {
                torch.close();
            }
        }

        List<Report.MemoryRow> memory = new ArrayList<>();
        if (!noMemory && configs.stream().anyMatch(c -> c.width() == memoryWidth)) {
            memory = probeMemory(configs, torch != null || !noTorch && torchNote == null);
        }

        Report report = new Report(machine, new ArrayList<>(limits.values()), rows, memory, torchNote,
                torch == null ? null : torch.version, verifications, budget, commandLine());
        String md = report.markdown();
        if (markdown != null) {
            Files.writeString(markdown, md, StandardCharsets.UTF_8);
            log.println("# markdown written to " + markdown);
        } else {
            System.out.print(md);
        }
        if (json != null) {
            Files.writeString(json, Json.write(report.json()), StandardCharsets.UTF_8);
            log.println("# JSON written to " + json);
        }
        return 0;
    }

    private List<StepBench.Config> configs() {
        if (matrix && (widths != null || depths != null || batches != null || optimizers != null || threads != null)) {
            throw new IllegalArgumentException("--matrix runs the whole default matrix; drop it or the dimension options");
        }
        List<Integer> w = widths != null ? widths : List.of(256, 1024, 2048);
        List<Integer> d = depths != null ? depths : List.of(3);
        List<Integer> b = batches != null ? batches : List.of(1, 16, 128);
        List<ModelCatalog.OptimizerChoice> o = optimizers != null
                ? optimizers.stream().map(ModelCatalog.OptimizerChoice::parse).toList()
                : List.of(ModelCatalog.OptimizerChoice.SGD_MOMENTUM, ModelCatalog.OptimizerChoice.ADAM);
        List<Integer> t = threads != null ? threads : List.of(1, 2);
        for (int x : b) {
            if (x < 1) {
                throw new IllegalArgumentException("batch must be >= 1, got " + x);
            }
        }
        for (int x : t) {
            if (x < 1) {
                throw new IllegalArgumentException("threads must be >= 1, got " + x);
            }
        }
        for (int width : w) {  // fail before measuring anything
            for (int depth : d) {
                for (ModelCatalog.OptimizerChoice opt : o) {
                    ModelCatalog.lookup(width, depth, opt);
                }
            }
        }
        List<StepBench.Config> out = new ArrayList<>();
        for (int threadCount : t) {
            for (int width : w) {
                for (int depth : d) {
                    for (ModelCatalog.OptimizerChoice opt : o) {
                        for (int batch : b) {
                            out.add(new StepBench.Config(width, depth, batch, opt, threadCount));
                        }
                    }
                }
            }
        }
        return out;
    }

    /** The floor, with triad bandwidth measured (once per thread count and size) at the model's working set. */
    private Floor floor(StepBench.Config c, MachineLimits.Limits limits, Map<String, MachineLimits.Rate> cache) {
        long bytes = Floor.workingSetBytes(c);
        MachineLimits.Rate bw = cache.computeIfAbsent(c.threads() + "/" + bytes,
                k -> MachineLimits.triadWorkingSet(c.threads(), bytes, quick ? 2 : 15));
        return Floor.of(c, limits.sgemmGflops().best(), bw.best());
    }

    private StepBench.Budget budget() {
        StepBench.Budget base = quick ? StepBench.Budget.quick() : StepBench.Budget.standard();
        return new StepBench.Budget(warmupMs != null ? warmupMs : base.warmupMs(), base.roundMs(),
                minRounds != null ? minRounds : base.minRounds(), Math.max(base.maxRounds(),
                minRounds != null ? minRounds : 0), measureMs != null ? measureMs : base.measureMs(),
                base.floorRounds(), base.capMs());
    }

    private static Path root() {
        return Path.of(System.getProperty("ft.root", ".")).toAbsolutePath().normalize();
    }

    private static Path peerScript() {
        Path p = root().resolve("benchmarks/peer/torch_step.py");
        return Files.isRegularFile(p) ? p : root().resolve("peer/torch_step.py");
    }

    private String commandLine() {
        return System.getProperty("ft.command", "benchmarks/run");
    }

    /** Peak memory of a fresh process per schedule (and per PyTorch variant) for the probed width. */
    private List<Report.MemoryRow> probeMemory(List<StepBench.Config> configs, boolean withTorch) throws IOException,
            InterruptedException {
        List<Report.MemoryRow> rows = new ArrayList<>();
        int depth = configs.get(0).depth();
        int batch = configs.stream().mapToInt(StepBench.Config::batch).max().orElse(1);
        int threadCount = configs.get(0).threads();
        String java = ProcessHandle.current().info().command().orElse("java");
        for (ModelCatalog.OptimizerChoice opt : new LinkedHashSet<>(configs.stream()
                .filter(c -> c.width() == memoryWidth).map(StepBench.Config::optimizer).toList())) {
            for (Schedule s : Schedule.values()) {
                List<String> cmd = new ArrayList<>(List.of(java));
                cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
                cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), MemoryProbe.class.getName(),
                        "" + memoryWidth, "" + depth, opt.cliName, s.name(), "" + batch, "" + threadCount, "3"));
                String line = run(cmd);
                rows.add(new Report.MemoryRow("FusedTrainer " + s, memoryWidth, depth, batch, opt,
                        field(line, "baseline"), field(line, "vmhwm"), field(line, "vmrss")));
                log.println("# memory " + opt.cliName + " " + s + ": " + line);
            }
            if (withTorch) {
                for (String variant : List.of("standard", "in_backward")) {
                    String line = run(List.of(python, peerScript().toString(), "--memory", variant, "--width",
                            "" + memoryWidth, "--depth", "" + depth, "--batch", "" + batch, "--optimizer", opt.cliName,
                            "--threads", "" + threadCount));
                    rows.add(new Report.MemoryRow("PyTorch " + variant, memoryWidth, depth, batch, opt,
                            (long) TorchPeer.number(line, "baseline_rss_kib"), (long) TorchPeer.number(line, "vmhwm_kib"),
                            (long) TorchPeer.number(line, "vmrss_kib")));
                    log.println("# memory " + opt.cliName + " PyTorch " + variant + ": " + line);
                }
            }
        }
        return rows;
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("memory probe failed: " + String.join(" ", cmd) + "\n" + out);
        }
        return out.substring(out.lastIndexOf('\n') + 1);
    }

    private static long field(String line, String key) {
        for (String part : line.split("\\s+")) {
            if (part.startsWith(key + "=")) {
                return Long.parseLong(part.substring(key.length() + 1));
            }
        }
        throw new IllegalStateException("no " + key + " in '" + line + "'");
    }

    static String now() {
        return Instant.now().toString();
    }
}
