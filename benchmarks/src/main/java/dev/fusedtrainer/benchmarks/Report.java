package dev.fusedtrainer.benchmarks;

import dev.fusedtrainer.annotations.Schedule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The runner's results as a markdown report and as JSON (one object per configuration). */
final class Report {

    record Row(StepBench.Config config, Map<Schedule, Stats> ft, Stats forwardOnly, TorchPeer.Result torch,
               Floor floor) {
        double ratio(Schedule s) {
            return ft.get(s).medianMs() / ft.get(Schedule.UNFUSED).medianMs();
        }

        Schedule best() {
            Schedule best = Schedule.UNFUSED;
            for (Schedule s : Schedule.values()) {
                if (ft.get(s).medianMs() < ft.get(best).medianMs()) {
                    best = s;
                }
            }
            return best;
        }

        boolean hasTorch() {
            return torch != null && torch.error() == null;
        }

        double torchBestMs() {
            return Math.min(torch.standard().medianMs(), torch.inBackward().medianMs());
        }

        /** How many times faster FusedTrainer's best schedule is than PyTorch's best variant. */
        double speedupVsTorch() {
            return torchBestMs() / ft.get(best()).medianMs();
        }

        double bestOverFloor() {
            return ft.get(best()).medianMs() / floor.ms();
        }
    }

    record MemoryRow(String what, int width, int depth, int batch, ModelCatalog.OptimizerChoice optimizer,
                     long baselineKib, long vmhwmKib, long vmrssKib) {
    }

    private final Map<String, Object> machine;
    private final List<MachineLimits.Limits> limits;
    private final List<Row> rows;
    private final List<MemoryRow> memory;
    private final String torchNote;
    private final String torchVersion;
    private final List<Object> verifications;
    private final StepBench.Budget budget;
    private final String command;

    Report(Map<String, Object> machine, List<MachineLimits.Limits> limits, List<Row> rows, List<MemoryRow> memory,
           String torchNote, String torchVersion, List<Object> verifications, StepBench.Budget budget, String command) {
        this.machine = machine;
        this.limits = limits;
        this.rows = rows;
        this.memory = memory;
        this.torchNote = torchNote;
        this.torchVersion = torchVersion;
        this.verifications = verifications;
        this.budget = budget;
        this.command = command;
    }

    static String progressLine(Row r) {
        StringBuilder s = new StringBuilder(r.config().label()).append(":");
        for (Schedule x : Schedule.values()) {
            s.append(String.format(Locale.ROOT, " %s %.3f ms (%.2fx)", x, r.ft().get(x).medianMs(), r.ratio(x)));
        }
        if (r.hasTorch()) {
            s.append(String.format(Locale.ROOT, " | torch %.3f / %.3f ms", r.torch().standard().medianMs(),
                    r.torch().inBackward().medianMs()));
        }
        s.append(String.format(Locale.ROOT, " | forward only %.3f ms", r.forwardOnly().medianMs()));
        return s.append(String.format(Locale.ROOT, " | floor %.3f ms", r.floor().ms())).toString();
    }

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("## Step time, ").append(machine.get("cpu")).append("\n\n");
        md.append("Command: `").append(command).append("`  \n");
        md.append("Machine: ").append(machine.get("cores")).append(" cores; ").append(machine.get("caches"))
                .append("; ").append(machine.get("flags")).append("; ").append(machine.get("java"))
                .append("; load average at start ").append(machine.get("loadavg_at_start")).append("  \n");
        for (MachineLimits.Limits l : limits) {
            md.append(String.format(Locale.ROOT, "Limits, %d thread(s): sgemm %d³ %.1f GFLOP/s (best; median %.1f), "
                            + "triad %.1f GB/s (best; median %.1f; 3 × %d MiB arrays)  %n", l.threads(), l.sgemmSize(),
                    l.sgemmGflops().best(), l.sgemmGflops().median(), l.triadGBps().best(), l.triadGBps().median(),
                    l.triadFloats() * 4 >> 20));
        }
        md.append("Triad at each working set (W + state): ").append(bandwidthTable(rows)).append("  \n");
        md.append(String.format(Locale.ROOT, "Budget per configuration: warm-up %.0f ms, then ≥ %d rounds "
                        + "(≥ %.0f ms; slow configurations stop after %.0f ms with ≥ %d rounds); each round runs every "
                        + "schedule the same number of steps, order rotating.  %n",
                budget.warmupMs(), budget.minRounds(), budget.measureMs(), budget.capMs(), budget.floorRounds()));
        md.append("PyTorch: ").append(torchNote != null ? torchNote : torchVersion
                + " (standard = zero_grad/backward/step with foreach=True; in-bwd = per-parameter optimizer "
                + "stepped from an AccumulateGrad hook)").append("  \n");
        md.append("Floor = max(matmul FLOPs / best sgemm rate, parameters × B/param / best triad bandwidth over "
                + "the model's working set (W + optimizer state)); B/param: sgd-momentum 20, adam 28; "
                + "bound C = compute, M = memory.\n\n");
        md.append("Times are medians in ms (min–max over rounds); ×U = ratio to UNFUSED; "
                + "vs PT = PyTorch's best median / FusedTrainer's best median (>1: FusedTrainer faster); "
                + "/floor = FusedTrainer's best / floor.\n\n");
        md.append("| width | batch | optimizer | thr | UNFUSED ms | BACKWARD ms | ×U | FORWARD ms | ×U "
                + "| PT std ms | PT in-bwd ms | vs PT | floor ms | /floor |\n");
        md.append("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            StepBench.Config c = r.config();
            md.append(String.format(Locale.ROOT, "| %d | %d | %s | %d | %s | %s | %.2f | %s | %.2f | ", c.width(),
                    c.batch(), c.optimizer().cliName, c.threads(), cell(r.ft().get(Schedule.UNFUSED)),
                    cell(r.ft().get(Schedule.BACKWARD)), r.ratio(Schedule.BACKWARD), cell(r.ft().get(Schedule.FORWARD)),
                    r.ratio(Schedule.FORWARD)));
            if (r.hasTorch()) {
                md.append(String.format(Locale.ROOT, "%s | %s | %.2f× | ", cell(r.torch().standard()),
                        cell(r.torch().inBackward()), r.speedupVsTorch()));
            } else {
                md.append(r.torch() != null ? "error | error | – | " : "– | – | – | ");
            }
            md.append(String.format(Locale.ROOT, "%s (%s) | %.2f |%n", fmt(r.floor().ms()),
                    r.floor().bound().equals("compute") ? "C" : "M", r.bestOverFloor()));
        }
        if (!memory.isEmpty()) {
            md.append("\n### Peak resident memory (fresh process per row, 3 steps)\n\n");
            md.append("| what | model | optimizer | batch | RSS before model MiB | VmHWM MiB | VmRSS MiB |\n");
            md.append("|---|---|---|---:|---:|---:|---:|\n");
            for (MemoryRow m : memory) {
                md.append(String.format(Locale.ROOT, "| %s | %dx%d | %s | %d | %.0f | %.0f | %.0f |%n", m.what(),
                        m.width(), m.depth(), m.optimizer().cliName, m.batch(), m.baselineKib() / 1024.0,
                        m.vmhwmKib() / 1024.0, m.vmrssKib() / 1024.0));
            }
        }
        return md.toString();
    }

    /** Working-set bandwidths used by the floors, one per thread count and size. */
    private static String bandwidthTable(List<Row> rows) {
        StringBuilder s = new StringBuilder();
        java.util.Set<String> seen = new java.util.LinkedHashSet<>();
        for (Row r : rows) {
            long bytes = Floor.workingSetBytes(r.config());
            if (seen.add(r.config().threads() + "/" + bytes)) {
                s.append(String.format(Locale.ROOT, "%s%.1f MiB %dt: %.1f GB/s", s.length() == 0 ? "" : "; ",
                        bytes / 1048576.0, r.config().threads(), r.floor().bandwidthGBps()));
            }
        }
        return s.toString();
    }

    private static String cell(Stats s) {
        return fmt(s.medianMs()) + " (" + fmt(s.minMs()) + "–" + fmt(s.maxMs()) + ")";
    }

    private static String cell(TorchPeer.Timing t) {
        return fmt(t.medianMs()) + " (" + fmt(t.minMs()) + "–" + fmt(t.maxMs()) + ")";
    }

    private static String fmt(double ms) {
        return ms >= 100 ? String.format(Locale.ROOT, "%.0f", ms)
                : ms >= 10 ? String.format(Locale.ROOT, "%.1f", ms)
                : ms >= 1 ? String.format(Locale.ROOT, "%.2f", ms) : String.format(Locale.ROOT, "%.3f", ms);
    }

    Map<String, Object> json() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("command", command);
        root.put("machine", machine);
        List<Object> lim = new ArrayList<>();
        for (MachineLimits.Limits l : limits) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("threads", l.threads());
            m.put("sgemm_size", l.sgemmSize());
            m.put("sgemm_gflops_best", l.sgemmGflops().best());
            m.put("sgemm_gflops_median", l.sgemmGflops().median());
            m.put("triad_floats_per_array", l.triadFloats());
            m.put("triad_gbps_best", l.triadGBps().best());
            m.put("triad_gbps_median", l.triadGBps().median());
            lim.add(m);
        }
        root.put("limits", lim);
        root.put("bytes_per_parameter", Map.of("sgd-momentum", Floor.bytesPerParameter(
                ModelCatalog.OptimizerChoice.SGD_MOMENTUM), "adam", Floor.bytesPerParameter(ModelCatalog.OptimizerChoice.ADAM)));
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("warmup_ms", budget.warmupMs());
        b.put("min_rounds", budget.minRounds());
        b.put("measure_ms", budget.measureMs());
        root.put("budget", b);
        Map<String, Object> pt = new LinkedHashMap<>();
        pt.put("available", torchNote == null);
        pt.put("note", torchNote);
        pt.put("version", torchVersion);
        pt.put("in_backward_verification", verifications);
        root.put("pytorch", pt);
        List<Object> configs = new ArrayList<>();
        for (Row r : rows) {
            configs.add(configJson(r));
        }
        root.put("configurations", configs);
        List<Object> mem = new ArrayList<>();
        for (MemoryRow m : memory) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("what", m.what());
            x.put("width", m.width());
            x.put("depth", m.depth());
            x.put("batch", m.batch());
            x.put("optimizer", m.optimizer().cliName);
            x.put("rss_before_model_kib", m.baselineKib());
            x.put("vmhwm_kib", m.vmhwmKib());
            x.put("vmrss_kib", m.vmrssKib());
            mem.add(x);
        }
        root.put("peak_memory", mem);
        return root;
    }

    private static Map<String, Object> configJson(Row r) {
        Map<String, Object> o = new LinkedHashMap<>();
        StepBench.Config c = r.config();
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("width", c.width());
        cfg.put("depth", c.depth());
        cfg.put("batch", c.batch());
        cfg.put("optimizer", c.optimizer().cliName);
        cfg.put("threads", c.threads());
        o.put("config", cfg);
        Map<String, Object> schedules = new LinkedHashMap<>();
        for (Schedule s : Schedule.values()) {
            Stats st = r.ft().get(s);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("median_ms", st.medianMs());
            m.put("min_ms", st.minMs());
            m.put("max_ms", st.maxMs());
            m.put("rounds", st.samples());
            m.put("steps", st.steps());
            m.put("ratio_to_unfused", r.ratio(s));
            schedules.put(s.name(), m);
        }
        o.put("schedules", schedules);
        Map<String, Object> fwd = new LinkedHashMap<>();
        fwd.put("median_ms", r.forwardOnly().medianMs());
        fwd.put("min_ms", r.forwardOnly().minMs());
        fwd.put("max_ms", r.forwardOnly().maxMs());
        fwd.put("share_of_unfused", r.forwardOnly().medianMs() / r.ft().get(Schedule.UNFUSED).medianMs());
        o.put("forward_only", fwd);
        if (r.hasTorch()) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("standard", timing(r.torch().standard()));
            t.put("in_backward", timing(r.torch().inBackward()));
            o.put("pytorch", t);
        } else {
            o.put("pytorch", r.torch() == null ? null : Map.of("error", r.torch().error()));
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("ms", r.floor().ms());
        f.put("bound", r.floor().bound());
        f.put("matmul_flops", r.floor().flops());
        f.put("compute_ms", r.floor().computeMs());
        f.put("optimizer_bytes", r.floor().bytes());
        f.put("bytes_per_parameter", r.floor().bytesPerParameter());
        f.put("memory_ms", r.floor().memoryMs());
        f.put("sgemm_gflops", r.floor().sgemmGflops());
        f.put("working_set_bytes", Floor.workingSetBytes(r.config()));
        f.put("triad_gbps_at_working_set", r.floor().bandwidthGBps());
        o.put("floor", f);
        Map<String, Object> ratios = new LinkedHashMap<>();
        ratios.put("backward_vs_unfused", r.ratio(Schedule.BACKWARD));
        ratios.put("forward_vs_unfused", r.ratio(Schedule.FORWARD));
        ratios.put("best_schedule", r.best().name());
        ratios.put("best_vs_floor", r.bestOverFloor());
        if (r.hasTorch()) {
            ratios.put("pytorch_best_vs_best", r.speedupVsTorch());
            ratios.put("pytorch_standard_vs_unfused", r.torch().standard().medianMs()
                    / r.ft().get(Schedule.UNFUSED).medianMs());
        }
        o.put("ratios", ratios);
        return o;
    }

    private static Map<String, Object> timing(TorchPeer.Timing t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("median_ms", t.medianMs());
        m.put("min_ms", t.minMs());
        m.put("max_ms", t.maxMs());
        return m;
    }
}
