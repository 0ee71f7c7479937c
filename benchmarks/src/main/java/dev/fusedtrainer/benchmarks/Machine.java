package dev.fusedtrainer.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A description of the machine a run was made on, from /proc and /sys. */
final class Machine {
    private Machine() {
    }

    static Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpu", cpuinfo("model name"));
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("caches", caches());
        m.put("flags", flags());
        m.put("kernel", read("/proc/sys/kernel/osrelease"));
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        m.put("loadavg_at_start", read("/proc/loadavg"));
        m.put("started", Instant.now().toString());
        return m;
    }

    private static String cpuinfo(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith(key)) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return System.getProperty("os.arch");
    }

    /** Only the vector extensions that matter to these kernels. */
    private static String flags() {
        String all = " " + cpuinfo("flags") + " ";
        List<String> found = new ArrayList<>();
        for (String f : List.of("avx2", "fma", "avx512f", "avx512_bf16", "amx_tile")) {
            if (all.contains(" " + f + " ")) {
                found.add(f);
            }
        }
        return String.join(" ", found);
    }

    private static String caches() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String base = "/sys/devices/system/cpu/cpu0/cache/index" + i + "/";
            if (!Files.exists(Path.of(base))) {
                break;
            }
            String type = read(base + "type");
            out.add("L" + read(base + "level") + (type.equals("Data") ? "d" : type.equals("Instruction") ? "i" : "")
                    + " " + read(base + "size"));
        }
        return String.join(", ", out);
    }

    private static String read(String path) {
        try {
            return Files.readString(Path.of(path)).trim();
        } catch (IOException e) {
            return "?";
        }
    }
}
