package dev.fusedtrainer.tests;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.ClassSelector;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs the GPU tests without Maven (scripts/gpu-check, on machines with a GPU but no build tools):
 * {@code java -cp <test classes and jars> dev.fusedtrainer.tests.GpuSuite [class ...]}. Prints one
 * line per test (PASS, FAIL with the message, SKIP with the reason) and a summary; exit status 0
 * only when nothing failed and something ran.
 */
public final class GpuSuite {
    private GpuSuite() {
    }

    public static void main(String[] args) {
        List<String> classes = args.length > 0 ? List.of(args) : List.of(
                "dev.fusedtrainer.runtime.cuda.CudaSupportTest",
                "dev.fusedtrainer.tests.CudaAgreementTest",
                "dev.fusedtrainer.tests.CudaUnavailableTest",
                "dev.fusedtrainer.tests.ScheduleAgreementTest",
                "dev.fusedtrainer.tests.dist.NcclSingleRankTest");
        List<ClassSelector> selectors = new ArrayList<>();
        for (String c : classes) {
            try {
                selectors.add(selectClass(Class.forName(c)));
            } catch (ClassNotFoundException e) {
                System.out.println("MISSING " + c + " (not on the class path)");
            }
        }
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request().selectors(selectors).build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        Map<String, Long> started = new ConcurrentHashMap<>();
        TestExecutionListener lines = new TestExecutionListener() {
            @Override
            public void executionStarted(TestIdentifier id) {
                started.put(id.getUniqueId(), System.nanoTime());
            }

            @Override
            public void executionSkipped(TestIdentifier id, String reason) {
                System.out.println("SKIP " + name(id) + " -- " + reason);
            }

            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                if (!id.isTest()) {
                    if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                        System.out.println("CONTAINER " + result.getStatus() + " " + name(id) + " -- "
                                + result.getThrowable().map(Throwable::toString).orElse(""));
                    }
                    return;
                }
                long ms = (System.nanoTime() - started.getOrDefault(id.getUniqueId(), System.nanoTime())) / 1_000_000;
                switch (result.getStatus()) {
                    case SUCCESSFUL -> System.out.println("PASS " + name(id) + " (" + ms + " ms)");
                    case ABORTED -> System.out.println("SKIP " + name(id) + " -- "
                            + result.getThrowable().map(Throwable::getMessage).orElse(""));
                    case FAILED -> System.out.println("FAIL " + name(id) + " -- "
                            + result.getThrowable().map(Throwable::toString).orElse(""));
                }
            }
        };
        launcher.execute(request, summary, lines);
        TestExecutionSummary s = summary.getSummary();
        s.printTo(new PrintWriter(System.out));
        s.printFailuresTo(new PrintWriter(System.out), 30);
        System.out.flush();
        System.exit(s.getTotalFailureCount() == 0 && s.getTestsSucceededCount() > 0 ? 0 : 1);
    }

    private static String name(TestIdentifier id) {
        String parent = id.getParentId().map(p -> p.replaceAll(".*class:([^\\]]+)\\].*", "$1")).orElse("");
        return parent.substring(parent.lastIndexOf('.') + 1) + " " + id.getDisplayName();
    }
}
