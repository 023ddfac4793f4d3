package dev.siphon.http.py;

import dev.siphon.http.metrics.Counter;
import dev.siphon.http.metrics.MetricsRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The schedule behind {@code from siphon import timer}: one per process ({@link WorkerPool}),
 * one timer thread for all of it, started when a script first arms a timer. The thread only
 * hands due runs to the workers' control queues; the jobs run in Python on the worker's thread,
 * as tasks of its loop.
 *
 * <p>{@code @timer.every} jobs: every worker registers each job (each runs the script); the
 * first to register a name owns it ({@link #every}), the others do not run it, so a job runs
 * once per process. Its schedule starts when its owner's {@code on_startup} hooks completed
 * ({@link #workerStarted}): the first run {@code period + random(0..jitter)} later, each next
 * run the same after the previous run ended ({@link #done}) — fixed delay, as the siphon host's
 * timer loop: a run never overlaps the one before it and a slow run is not caught up.
 *
 * <p>{@code timer.set} one-shots are keyed process-wide: arming a key armed already (by any
 * worker) replaces that timer, and any worker can cancel a key. The handler runs on the worker
 * that armed it, which is told when a timer it armed fires, or is cancelled or replaced (so
 * that it drops the handler).
 *
 * <p>Shutdown ({@link #stop}, then {@link #finish} before the {@code on_shutdown} hooks): no run
 * starts after {@link #stop}; a run under way may end within the grace, after which it is
 * cancelled at its next await. Thread-safe.
 */
final class ScriptTimers {
    private static final System.Logger LOG = System.getLogger("siphon.python");
    /** One-shot timers armed at once in a process, beyond which {@code timer.set} raises. */
    static final int MAX_ARMED = 100_000;
    /** The {@code timer} label of the one-shots' metrics (their keys are unbounded). */
    static final String ONE_SHOT_LABEL = "timer.set";

    private final WorkerPool pool;
    private final Counter runs;
    private final Counter errors;
    private final Map<String, Job> byName = new HashMap<>();
    private final Map<Long, Job> jobs = new HashMap<>();
    private final Map<String, OneShot> armed = new HashMap<>();
    /** Runs a test harness waits for, by job or timer id ({@link #runNow}, {@link #fireNow}). */
    private final Map<Long, CompletableFuture<String>> waiting = new HashMap<>();
    /** The run (seq) of a job that {@link #runNow} started, by job id: it leaves the schedule as it was. */
    private final Map<Long, Long> manual = new HashMap<>();
    private ScheduledThreadPoolExecutor executor;
    private long nextId;
    private volatile boolean stopped;
    /** nanoTime until which a run under way at {@link #stop} may go on before it is cancelled. */
    private long graceDeadline;

    /** An {@code @timer.every} job. Its mutable fields are guarded by the ScriptTimers. */
    static final class Job {
        final long id;
        final String name;
        final String function;
        final long periodMs;
        final long jitterMs;
        final PythonWorker owner;
        final Set<Integer> workers = new HashSet<>();
        boolean scheduled;
        boolean running;
        long seq;

        Job(long id, String name, String function, long periodMs, long jitterMs, PythonWorker owner) {
            this.id = id;
            this.name = name;
            this.function = function;
            this.periodMs = periodMs;
            this.jitterMs = jitterMs;
            this.owner = owner;
            workers.add(owner.index);
        }
    }

    /** A {@code timer.set} timer. */
    private static final class OneShot {
        final long id;
        final String key;
        final PythonWorker owner;
        final long delayMs;
        ScheduledFuture<?> future;

        OneShot(long id, String key, PythonWorker owner, long delayMs) {
            this.id = id;
            this.key = key;
            this.owner = owner;
            this.delayMs = delayMs;
        }
    }

    /** The schedule of one generation of {@code pool}; the counters are the process's, shared by every generation. */
    ScriptTimers(WorkerPool pool, Counter runs, Counter errors) {
        this.pool = pool;
        this.runs = runs;
        this.errors = errors;
    }

    static Counter runsCounter(MetricsRegistry registry) {
        return registry.counter("siphon_python_timer_runs",
                "runs of @timer.every jobs (by name) and timer.set handlers (timer=\"timer.set\") that ended", "timer");
    }

    static Counter errorsCounter(MetricsRegistry registry) {
        return registry.counter("siphon_python_timer_errors",
                "runs of @timer.every jobs and timer.set handlers that raised (or were interrupted)", "timer");
    }

    // ---- @timer.every ----

    /**
     * Worker {@code w} registers job {@code name}: its id when {@code w} owns it (the first to
     * register it), 0 when another worker does.
     *
     * @throws IllegalArgumentException the name is registered twice in {@code w}, or by another
     *     worker with another period, jitter or function (the message the script's ValueError carries)
     */
    synchronized long every(PythonWorker w, String name, String function, long periodMs, long jitterMs) {
        Job j = byName.get(name);
        if (j != null) {
            if (j.workers.contains(w.index)) {
                throw new IllegalArgumentException("timer.every: a job named '" + name + "' is already registered ("
                        + j.function + "); give each job a name of its own (name=...)");
            }
            if (j.periodMs != periodMs || j.jitterMs != jitterMs || !j.function.equals(function)) {
                throw new IllegalArgumentException("timer.every: job '" + name + "' is registered by another worker as "
                        + j.function + " every " + j.periodMs + " ms (jitter " + j.jitterMs
                        + " ms): every worker runs the same script, so its jobs must be the same");
            }
            j.workers.add(w.index);
            return 0;
        }
        j = new Job(++nextId, name, function, periodMs, jitterMs, w);
        byName.put(name, j);
        jobs.put(j.id, j);
        if (w.started.isDone() && !w.started.isCompletedExceptionally()) {
            begin(j); // registered after start-up (from a handler)
        }
        return j.id;
    }

    /** Worker {@code w} completed its on_startup hooks: the jobs it owns start their schedule. */
    synchronized void workerStarted(PythonWorker w) {
        for (Job j : jobs.values()) {
            if (j.owner == w) {
                begin(j);
            }
        }
    }

    private void begin(Job j) {
        if (!j.scheduled) {
            j.scheduled = true;
            LOG.log(System.Logger.Level.INFO, () -> "@timer.every job '" + j.name + "' (" + j.function + ") runs every "
                    + j.periodMs + " ms" + (j.jitterMs > 0 ? " (jitter " + j.jitterMs + " ms)" : "") + " in worker "
                    + j.owner.index);
            scheduleNext(j);
        }
    }

    private void scheduleNext(Job j) {
        if (stopped) {
            return;
        }
        long delay = j.periodMs + (j.jitterMs > 0 ? ThreadLocalRandom.current().nextLong(j.jitterMs + 1) : 0);
        executor().schedule(() -> due(j), delay, TimeUnit.MILLISECONDS);
    }

    /** On the timer thread: hand the run to the owner's queue. */
    private void due(Job j) {
        try {
            long seq;
            synchronized (this) {
                if (stopped || j.running) {
                    return;
                }
                j.running = true;
                seq = ++j.seq;
            }
            if (!j.owner.postTimerRun(j, seq)) {
                synchronized (this) {
                    j.running = false;
                    notifyAll();
                }
                LOG.log(System.Logger.Level.WARNING, "@timer.every job '" + j.name + "': its worker " + j.owner.index
                        + " has stopped; the job does not run any more");
            }
        } catch (Error e) {
            pool.fatalHere(e);
        }
    }

    /** On the owner's thread, as it takes the run from its queue: false when the run must not start (shutdown). */
    synchronized boolean admit(Job j, long seq) {
        if (!stopped) {
            return j.running && j.seq == seq;
        }
        if (j.running && j.seq == seq) {
            j.running = false;
            notifyAll();
        }
        return false;
    }

    /**
     * Run {@code seq} of job {@code id} ended (Python reports it): log a failure, count it, and
     * schedule the next run. A stale report (a run already cut off) is ignored.
     *
     * @param traceback the exception's traceback, or null
     * @param cancelled it ended in CancelledError (shutdown cancelled it, or the job raised it)
     */
    void done(long id, long seq, String traceback, boolean cancelled) {
        Job j;
        long next;
        CompletableFuture<String> waiter;
        synchronized (this) {
            j = jobs.get(id);
            if (j == null || !j.running || (seq >= 0 && j.seq != seq)) {
                return;
            }
            j.running = false;
            notifyAll();
            next = j.periodMs;
            Long manualSeq = manual.get(id);
            if (manualSeq != null && manualSeq == j.seq) {
                manual.remove(id); // a harness's run: the job's own schedule goes on as it was
            } else {
                scheduleNext(j);
            }
            waiter = waiting.remove(id);
        }
        if (waiter != null) {
            waiter.complete(traceback);
        }
        runs.labels(j.name).inc();
        if (traceback != null) {
            errors.labels(j.name).inc();
            LOG.log(System.Logger.Level.ERROR, "@timer.every job '" + j.name + "' (" + j.function + ") raised (worker "
                    + j.owner.index + ")" + (stopped ? "" : "; it runs again in " + next + " ms") + ":\n"
                    + traceback.stripTrailing());
        } else if (cancelled && !stopped) {
            LOG.log(System.Logger.Level.WARNING, "@timer.every job '" + j.name + "' (" + j.function
                    + ") ended in CancelledError (worker " + j.owner.index + "); it runs again in " + next + " ms");
        }
    }

    /**
     * An interrupt (the watchdog's) cut off the run of job {@code id} (or the handler of the
     * one-shot timer {@code id}); {@code seq} is the run's, or -1 for whichever is running.
     */
    void cutOff(long id, long seq) {
        boolean job;
        synchronized (this) {
            job = jobs.containsKey(id);
        }
        if (job) {
            done(id, seq, "interrupted: the worker's watchdog cut this run off (a request queued behind it passed "
                    + "its deadline)", false);
        } else {
            errors.labels(ONE_SHOT_LABEL).inc();
            LOG.log(System.Logger.Level.ERROR, "a timer.set handler was interrupted by the worker's watchdog");
        }
    }

    // ---- timer.set ----

    /**
     * Arms one-shot timer {@code key} for worker {@code w}, replacing any timer armed under it;
     * its id, or 0 when the server is shutting down (nothing is armed).
     *
     * @throws IllegalStateException {@value #MAX_ARMED} timers are armed already
     */
    synchronized long set(PythonWorker w, String key, long delayMs) {
        if (stopped) {
            return 0;
        }
        OneShot old = armed.get(key);
        if (old == null && armed.size() >= MAX_ARMED) {
            throw new IllegalStateException("timer.set: " + MAX_ARMED + " timers are armed already (in all "
                    + "workers); cancel some, or reuse keys");
        }
        OneShot t = new OneShot(++nextId, key, w, delayMs);
        armed.put(key, t);
        if (old != null) {
            drop(old);
        }
        t.future = executor().schedule(() -> fire(t), Math.max(0, delayMs), TimeUnit.MILLISECONDS);
        return t.id;
    }

    /** Cancels the timer armed under {@code key}; false when there is none. */
    synchronized boolean cancel(String key) {
        OneShot t = armed.remove(key);
        if (t == null) {
            return false;
        }
        drop(t);
        return true;
    }

    /** One-shot timers armed now. */
    synchronized int active() {
        return armed.size();
    }

    private static void drop(OneShot t) {
        if (t.future != null) {
            t.future.cancel(false);
        }
        t.owner.postTimerFire(t.id, false); // its worker forgets the handler
    }

    private void fire(OneShot t) {
        try {
            synchronized (this) {
                if (stopped || armed.get(t.key) != t) {
                    return; // cancelled or replaced meanwhile: the canceller told the worker
                }
                armed.remove(t.key);
            }
            runs.labels(ONE_SHOT_LABEL).inc();
            t.owner.postTimerFire(t.id, true);
        } catch (Error e) {
            pool.fatalHere(e);
        }
    }

    /** The handler of timer.set timer {@code id} ended (the worker's thread); {@code traceback}: null, or what it raised. */
    void oneShotDone(long id, int worker, String key, String handler, String traceback) {
        CompletableFuture<String> waiter;
        synchronized (this) {
            waiter = waiting.remove(id);
        }
        if (traceback != null) {
            errors.labels(ONE_SHOT_LABEL).inc();
            LOG.log(System.Logger.Level.ERROR, "timer.set handler " + handler + " for key '" + key + "' raised (worker "
                    + worker + "):\n" + traceback.stripTrailing());
        }
        if (waiter != null) {
            waiter.complete(traceback);
        }
    }

    // ---- a test harness's runs (ScriptHarness): now, not when due ----

    /** The {@code @timer.every} jobs: name to {period ms, jitter ms}. */
    synchronized Map<String, long[]> jobs() {
        Map<String, long[]> m = new java.util.TreeMap<>();
        byName.forEach((n, j) -> m.put(n, new long[] {j.periodMs, j.jitterMs}));
        return m;
    }

    /** The {@code timer.set} timers armed now: key to the delay they were armed with (ms). */
    synchronized Map<String, Long> armed() {
        Map<String, Long> m = new java.util.TreeMap<>();
        armed.forEach((k, t) -> m.put(k, t.delayMs));
        return m;
    }

    /**
     * Runs job {@code name} now, on its worker as when it is due (its schedule is left as it
     * was); completes with null when the run ended, or with its traceback when it raised.
     */
    CompletableFuture<String> runNow(String name) {
        Job j;
        long seq;
        CompletableFuture<String> f = new CompletableFuture<>();
        synchronized (this) {
            j = byName.get(name);
            if (j == null) {
                return CompletableFuture.failedFuture(new IllegalArgumentException("no @timer.every job '" + name
                        + "' (registered: " + (byName.isEmpty() ? "none" : String.join(", ", new java.util.TreeSet<>(byName.keySet())))
                        + ")"));
            }
            if (stopped || j.running) {
                return CompletableFuture.failedFuture(new IllegalStateException("@timer.every job '" + name
                        + "' is " + (stopped ? "stopped" : "running now")));
            }
            j.running = true;
            seq = ++j.seq;
            waiting.put(j.id, f);
            manual.put(j.id, seq);
        }
        if (!j.owner.postTimerRun(j, seq)) {
            synchronized (this) {
                j.running = false;
                waiting.remove(j.id);
                manual.remove(j.id);
            }
            return CompletableFuture.failedFuture(new IllegalStateException("the worker of job '" + name + "' has stopped"));
        }
        return f;
    }

    /** Fires the timer.set timer armed under {@code key} now (it is disarmed, as when due); as {@link #runNow}. */
    CompletableFuture<String> fireNow(String key) {
        OneShot t;
        CompletableFuture<String> f = new CompletableFuture<>();
        synchronized (this) {
            t = armed.get(key);
            if (t == null || stopped) {
                return CompletableFuture.failedFuture(new IllegalArgumentException("no timer armed under '" + key
                        + "' (armed: " + (armed.isEmpty() ? "none" : String.join(", ", new java.util.TreeSet<>(armed.keySet())))
                        + ")"));
            }
            armed.remove(key);
            if (t.future != null) {
                t.future.cancel(false);
            }
            waiting.put(t.id, f);
        }
        runs.labels(ONE_SHOT_LABEL).inc();
        t.owner.postTimerFire(t.id, true);
        return f;
    }

    // ---- shutdown ----

    boolean stopped() {
        return stopped;
    }

    /**
     * No run starts from now on: the schedule and the armed one-shots are dropped. A run under
     * way may go on for {@code graceMs} ({@link #finish}). Later calls do nothing.
     */
    void stop(long graceMs) {
        ScheduledThreadPoolExecutor e;
        synchronized (this) {
            if (stopped) {
                return;
            }
            stopped = true;
            graceDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, graceMs));
            armed.clear();
            e = executor;
        }
        if (e != null) {
            e.shutdownNow(); // the scheduled runs and one-shots with it
        }
    }

    /**
     * After {@link #stop}, before the on_shutdown hooks: waits for the runs under way until the
     * grace passed, then cancels those still running at their next await and waits for them
     * {@link WorkerPool#CANCEL_GRACE_MS} more. A run that does not end then (one that never
     * awaits) is logged; the hooks of its worker run after it.
     */
    void finish() {
        List<Job> late = waitForRuns(graceDeadline);
        if (late.isEmpty()) {
            return;
        }
        for (Job j : late) {
            LOG.log(System.Logger.Level.WARNING, "@timer.every job '" + j.name + "' (" + j.function
                    + ") still runs at shutdown after the grace: cancelling it");
            j.owner.postTimerCancel(j.id);
        }
        late = waitForRuns(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WorkerPool.CANCEL_GRACE_MS));
        for (Job j : late) {
            LOG.log(System.Logger.Level.WARNING, "@timer.every job '" + j.name + "' (" + j.function
                    + ") did not stop at its cancellation (it never awaits); worker " + j.owner.index
                    + " runs its on_shutdown hooks once it ends");
        }
    }

    private synchronized List<Job> waitForRuns(long deadline) {
        while (true) {
            List<Job> running = new ArrayList<>();
            for (Job j : jobs.values()) {
                if (j.running) {
                    running.add(j);
                }
            }
            long left = deadline - System.nanoTime();
            if (running.isEmpty() || left <= 0) {
                return running;
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return running;
            }
        }
    }

    private ScheduledThreadPoolExecutor executor() {
        if (executor == null) {
            ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1,
                    r -> Thread.ofPlatform().name("siphon-py-timer").daemon(true).unstarted(r));
            e.setRemoveOnCancelPolicy(true); // cancelled one-shots do not wait in the queue for their time
            e.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
            executor = e;
        }
        return executor;
    }
}
