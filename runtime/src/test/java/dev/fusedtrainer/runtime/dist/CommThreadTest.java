package dev.fusedtrainer.runtime.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.junit.jupiter.api.Test;

/** The communication thread on one process: order, overlap, failure propagation, and bounded waits. */
class CommThreadTest {
    private static final Duration GUARD = Duration.ofSeconds(20);

    @Test
    void runsCollectivesOnItsOwnThreadInSubmissionOrder() {
        assertTimeoutPreemptively(GUARD, () -> {
            List<Integer> ran = Collections.synchronizedList(new ArrayList<>());
            List<String> threads = Collections.synchronizedList(new ArrayList<>());
            List<CommThread.Pending> pending = new ArrayList<>();
            try (CommThread comm = new CommThread(Communicator.local())) {
                for (int k = 0; k < 200; k++) {
                    int index = k;
                    pending.add(comm.submit("k=" + k, () -> {
                        ran.add(index);
                        threads.add(Thread.currentThread().getName());
                    }));
                }
                for (int k = pending.size() - 1; k >= 0; k--) {
                    pending.get(k).await();
                }
                for (int k = 0; k < 200; k++) {
                    assertEquals(k + 1, pending.get(k).sequence());
                    assertEquals(k, ran.get(k));
                    assertEquals("ft-comm-rank-0", threads.get(k));
                }
            }
        });
    }

    @Test
    void statsCountTheCollectivesTimeAndOnlyTheTimeSpentWaitingForThem() {
        assertTimeoutPreemptively(GUARD, () -> {
            try (CommThread comm = new CommThread(Communicator.local())) {
                assertEquals(new CommunicationStats(0, 0, 0), comm.stats());
                // hidden: the collective (40 ms) finishes while the caller "computes" (150 ms)
                CommThread.Pending hidden = comm.submit("hidden", () -> sleep(40));
                sleep(150);
                hidden.await();
                CommunicationStats first = comm.stats();
                assertEquals(1, first.collectives());
                assertTrue(first.busyNanos() >= TimeUnit.MILLISECONDS.toNanos(40), first.toString());
                assertEquals(0, first.waitedNanos(), "a done collective costs no wait: " + first);
                assertEquals(1.0, first.hiddenFraction());
                // exposed: awaited at once, so (nearly) all of its 60 ms is waited for
                comm.submit("exposed", () -> sleep(60)).await();
                CommunicationStats second = comm.stats().since(first);
                assertEquals(1, second.collectives());
                assertTrue(second.waitedNanos() >= TimeUnit.MILLISECONDS.toNanos(50), second.toString());
                assertTrue(second.hiddenFraction() < 0.2, second.toString());
            }
        });
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void submitReturnsBeforeTheCollectiveRunsSoComputationOverlapsIt() {
        assertTimeoutPreemptively(GUARD, () -> {
            CountDownLatch computed = new CountDownLatch(1);
            try (CommThread comm = new CommThread(Communicator.local())) {
                // the collective can only finish after the submitting thread has moved on and "computed"
                CommThread.Pending p = comm.submit("waits for the submitter", () -> await(computed));
                assertFalse(p.isDone());
                computed.countDown();
                p.await();
                assertTrue(p.isDone());
            }
        });
    }

    @Test
    void typedCollectivesReachTheCommunicatorWithTheirArguments() {
        assertTimeoutPreemptively(GUARD, () -> {
            try (CommThread comm = new CommThread(Communicator.local());
                 FloatPointer send = new FloatPointer(1f, 2f, 3f); FloatPointer recv = new FloatPointer(0f, 0f, 0f);
                 BytePointer bytes = new BytePointer("x")) {
                comm.allReduceSum(send, 3).await();
                comm.reduceScatter(send, recv, 2).await();
                comm.allGather(recv, 3).await();
                comm.broadcast(send, 3, 0).await();
                comm.broadcast(bytes, 1, 0).await();
                comm.barrier().await();
                assertEquals(1f, recv.get(0));
                assertEquals(2f, recv.get(1));
                assertEquals(0f, recv.get(2));
                CommunicationException bad = assertThrows(CommunicationException.class, () -> comm.broadcast(send, 3, 2).await());
                assertTrue(bad.getMessage().contains("root 2 is not a rank"), bad.getMessage());
            }
        });
    }

    @Test
    void aFailedCollectiveFailsEveryLaterOneWithoutRunningIt() {
        assertTimeoutPreemptively(GUARD, () -> {
            List<Integer> ran = Collections.synchronizedList(new ArrayList<>());
            try (CommThread comm = new CommThread(Communicator.local())) {
                CommThread.Pending first = comm.submit("first", () -> ran.add(1));
                CommThread.Pending broken = comm.submit("broken", () -> {
                    throw new IllegalStateException("peer said no");
                });
                CommThread.Pending after = comm.submit("after", () -> ran.add(3));
                first.await();
                CommunicationException e = assertThrows(CommunicationException.class, broken::await);
                assertTrue(e.getMessage().contains("collective #2 broken failed: peer said no"), e.getMessage());
                assertTrue(e.getCause() instanceof IllegalStateException);
                CommunicationException later = assertThrows(CommunicationException.class, after::await);
                assertTrue(later.getMessage().contains("collective #3 after was not run: collective #2 broken failed"),
                        later.getMessage());
                CommunicationException submittedLater = assertThrows(CommunicationException.class,
                        () -> comm.submit("later still", () -> ran.add(4)).await());
                assertTrue(submittedLater.getMessage().contains("was not run"), submittedLater.getMessage());
                assertEquals(List.of(1), ran);
            }
        });
    }

    @Test
    void awaitWithALimitGivesUpOnACollectiveThatDoesNotComplete() {
        assertTimeoutPreemptively(GUARD, () -> {
            CountDownLatch release = new CountDownLatch(1);
            try (CommThread comm = new CommThread(Communicator.local())) {
                CommThread.Pending stuck = comm.submit("stuck", () -> await(release));
                CommTimeoutException e = assertThrows(CommTimeoutException.class, () -> stuck.await(Duration.ofMillis(50)));
                assertTrue(e.getMessage().contains("collective #1 stuck did not complete within 50 ms"), e.getMessage());
                release.countDown();
                stuck.await();
            }
        });
    }

    @Test
    void awaitGivesUpOnceTheRunningCollectiveOutlivesTheCommunicatorTimeout() {
        assertTimeoutPreemptively(GUARD, () -> {
            CountDownLatch release = new CountDownLatch(1);
            Communicator shortDeadline = new ShortDeadline(Duration.ofMillis(100));
            try (CommThread comm = new CommThread(shortDeadline)) {
                CommThread.Pending hung = comm.submit("hung", () -> await(release));
                CommThread.Pending queued = comm.allReduceSum(new FloatPointer(1), 1);
                // a waiter for a LATER collective also gives up: the bound is on the collective running now
                CommTimeoutException e = assertThrows(CommTimeoutException.class, queued::await);
                assertTrue(e.getMessage().contains("collective #1 hung has run for more than "
                        + Duration.ofMillis(100).plus(CommThread.GRACE).toMillis() + " ms"), e.getMessage());
                assertTrue(e.getMessage().contains("while waiting for #2 allReduceSum(1)"), e.getMessage());
                assertThrows(CommTimeoutException.class, hung::await);
                release.countDown();
                queued.await(Duration.ofSeconds(5));
            }
        });
    }

    @Test
    void closeRunsWhatIsQueuedThenRefusesMore() {
        assertTimeoutPreemptively(GUARD, () -> {
            List<Integer> ran = Collections.synchronizedList(new ArrayList<>());
            CommThread comm = new CommThread(Communicator.local());
            for (int k = 0; k < 10; k++) {
                int index = k;
                comm.submit("k=" + k, () -> ran.add(index));
            }
            comm.drain();
            assertEquals(10, ran.size());
            comm.submit("last", () -> ran.add(10));
            comm.close();
            assertEquals(11, ran.size());
            assertThrows(IllegalStateException.class, comm::barrier);
            assertSame(Communicator.local(), comm.communicator());
        });
    }

    @Test
    void threadIsNamedAfterTheRankAndIsADaemon() {
        try (CommThread comm = new CommThread(new ShortDeadline(Duration.ofSeconds(1)))) {
            CommThread.Pending p = comm.submit("probe", () -> {
                assertEquals("ft-comm-rank-0", Thread.currentThread().getName());
                assertTrue(Thread.currentThread().isDaemon());
            });
            p.await();
            assertNotEquals("ft-comm-rank-0", Thread.currentThread().getName());
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(15, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** The local communicator with a finite collective timeout, as MPI's. */
    private record ShortDeadline(Duration timeout) implements Communicator {
        private static final Communicator LOCAL = Communicator.local();

        @Override public int rank() { return 0; }
        @Override public int size() { return 1; }
        @Override public void allReduceSum(FloatPointer buf, long n) { LOCAL.allReduceSum(buf, n); }
        @Override public void reduceScatter(FloatPointer send, FloatPointer recv, long shard) { LOCAL.reduceScatter(send, recv, shard); }
        @Override public void allGather(FloatPointer buf, long shard) { LOCAL.allGather(buf, shard); }
        @Override public void broadcast(FloatPointer buf, long n, int root) { LOCAL.broadcast(buf, n, root); }
        @Override public void broadcast(BytePointer buf, long n, int root) { LOCAL.broadcast(buf, n, root); }
        @Override public void barrier() { }
        @Override public void abort(String reason) { LOCAL.abort(reason); }
        @Override public void close() { }
    }
}
