package dev.siphon.http.py;

import dev.siphon.http.BodyStream;
import dev.siphon.http.Headers;
import dev.siphon.http.Request;
import dev.siphon.http.Response;
import dev.siphon.http.client.ClientResponse;
import dev.siphon.http.client.HttpClient;
import dev.siphon.http.dispatch.Responses;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Value;
import dev.siphon.http.net.EventLoop;
import java.lang.invoke.VarHandle;
import org.jctools.queues.varhandle.MpscVarHandleArrayQueue;

/**
 * One GraalPy context on one platform thread, running the script's event loop
 * ({@code siphon._runtime.serve}).
 *
 * <p>Threads: the connection loops {@link #offer} requests into the bounded MPSC queue and
 * {@link #cancel} them through an unbounded control queue (cancels must never be lost to a
 * full queue); everything else runs on the worker's own thread, called from Python through
 * {@link Bridge}: the loop's waiting step {@link #poll} parks on the queue, hands each event
 * to Python, and Python answers through {@link #reply}/{@link #fail}. The connection loops read
 * {@link #load} to pick the least-loaded worker. The pool's watchdog thread asks {@link #overran}
 * whether Python has kept the worker past a request's deadline or cancellation, and then
 * {@link #interrupt interrupts} the context on a thread of its own; the worker answers the
 * requests whose handlers the interrupt cut off and goes on ({@link #recoverFromInterrupt}).
 *
 * <p>Outbound calls ({@code http.Client}): Python starts one with {@link #send}, which hands
 * it to the shared {@link dev.siphon.http.client.HttpClient} and returns at once; the awaiting
 * coroutine is suspended on an asyncio future. The client completes the Java future on its own
 * loop thread, which only adds a {@link Completion} to the control queue and wakes the worker;
 * the worker's {@link #poll} then hands the result to Python ({@code client_done} /
 * {@code client_failed}), which resolves the asyncio future. Nothing of Python runs off the
 * worker's thread. A call whose coroutine is cancelled is cancelled in Java too
 * ({@link #cancelCall}), which frees its connection or stream.
 *
 * <p>Hooks: {@code on_startup} and {@code on_shutdown} run as tasks on the worker's own loop,
 * started through the control queue ({@link #startHooks}, {@link #startShutdownHooks}); Python
 * reports their end through the bridge, which completes {@link #started} / {@link #shutDown}.
 *
 * <p>Errors: an exception of the script is Python's (the handler's request gets 500, the worker
 * goes on). A Java {@link Error} on this thread — in the Java code Python calls through the
 * {@link Bridge}, or out of the polyglot engine itself (a host error, or the JVM out of heap or
 * stack inside Python) — is fatal ({@link #fatal}): logged once and handed to the pool's fatal
 * error handler. The bridge reports it before Python sees it, since Python code may catch it.
 */
final class PythonWorker {
    private static final System.Logger LOG = System.getLogger("siphon.python");
    /** Requests handed to Python per wake-up before the loop runs what they scheduled. */
    private static final int BATCH = 64;
    /** This long without progress marks the worker stalled ({@link #load}): requests go elsewhere. */
    static final long STALL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /** Added to a stalled worker's {@link #load}: more than any queue holds. */
    static final long STALLED = 1L << 32;
    /**
     * The longest the answers of a batch wait for their loops to be woken while the worker goes
     * on with the next requests of the batch (see {@link #poll}).
     */
    private static final long MAX_HOLD_NANOS = TimeUnit.MICROSECONDS.toNanos(500);
    private static final String[] NO_STRINGS = new String[0];
    /** Whether {@link #poll} adds up busy time ({@code siphon_python_busy_seconds}); off with the metrics. */
    private static final boolean RECORD_BUSY = dev.siphon.http.metrics.MetricsRegistry.RECORDING;
    /** Release stores for the fields other threads only read, written once or twice per request. */
    private static final VarHandle STEP_SINCE;
    private static final VarHandle RUNNING;
    private static final VarHandle HELD;

    static {
        try {
            java.lang.invoke.MethodHandles.Lookup l = java.lang.invoke.MethodHandles.lookup();
            STEP_SINCE = l.findVarHandle(PythonWorker.class, "stepSince", long.class);
            RUNNING = l.findVarHandle(PythonWorker.class, "running", Dispatch.class);
            HELD = l.findVarHandle(PythonWorker.class, "held", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * What other threads ask of the worker through its control queue, taken on the worker's
     * thread by {@link #drainControl} before the requests of the same wake-up.
     */
    private sealed interface Control permits Cancel, Completion, CacheDone, Signal, Task, TimerRun, TimerFire,
            TimerCancel, StreamCancel {}

    /** The client of a streaming response went away: Python cancels the task {@code token} that fills it. */
    private record StreamCancel(long token) implements Control {}

    /** The request timed out or its connection closed: Python cancels its task ({@link #cancel}). */
    private record Cancel(Dispatch dispatch) implements Control {}

    /** An outbound call finished (any thread: the client's loop or timer); handed to Python by {@link #poll}. */
    /** An awaited Java future ended: an outbound call's ({@code client}), or a host namespace's. */
    private record Completion(long call, boolean client, Object value, Throwable failure) implements Control {}

    /** A cache call on Redis finished (any thread: the Redis client's loop); handed to Python by {@link #poll}. */
    private record CacheDone(long call, Object result, int code, String message) implements Control {}

    /** A code for something without arguments the worker does in Python. */
    private enum Signal implements Control {
        /** Run the {@code @http.on_startup} hooks ({@link #startHooks}). */
        START_HOOKS,
        /** Run the {@code @http.on_shutdown} hooks ({@link #startShutdownHooks}). */
        SHUTDOWN_HOOKS,
        /** Cancel the running on_shutdown hook at its next await ({@link #cancelShutdownHooks}). */
        CANCEL_SHUTDOWN_HOOKS,
        /** Stop the loop: the worker ends ({@link #stop}). */
        STOP
    }

    /** Java code to run on the worker's thread ({@link #runOnWorkerThread}, for tests). */
    private record Task(Runnable task) implements Control {}

    /** Run {@code seq} of an {@code @timer.every} job this worker owns is due ({@link ScriptTimers}). */
    private record TimerRun(ScriptTimers.Job job, long seq) implements Control {}

    /** A {@code timer.set} timer this worker armed fired ({@code fire}), or was cancelled or replaced. */
    private record TimerFire(long id, boolean fire) implements Control {}

    /** Shutdown: cancel the run of job {@code id} at its next await. */
    private record TimerCancel(long id) implements Control {}

    final int index;
    private final WorkerPool pool;
    private final Path script;
    private final MpscVarHandleArrayQueue<Dispatch> queue;
    private final ConcurrentLinkedQueue<Control> control = new ConcurrentLinkedQueue<>();
    /** The worker is parked (or about to park) waiting for work; {@link #signal} unparks it. */
    private volatile boolean parked;
    /** {@link #signal}, as one object: a loop runs it once per pass however many requests it queued. */
    private final Runnable signal = this::signal;
    /** Loop wake-ups owed for answers sent since the last {@link #poll} (worker thread only). */
    private EventLoop.WakeupBatch wakeups;
    private final Thread thread;
    final CompletableFuture<Registrations> loaded = new CompletableFuture<>();
    final CompletableFuture<Void> started = new CompletableFuture<>();
    /** The on_shutdown hooks are done, were cut off, or will never run here (the worker ended). */
    final CompletableFuture<Void> shutDown = new CompletableFuture<>();
    private final AtomicBoolean shutdownRequested = new AtomicBoolean();
    /** The on_shutdown hook running now, for the log when it outlives the time limit. */
    volatile String shutdownHook;
    /** The pool interrupts this worker to cut off an on_shutdown hook, not a cancelled request. */
    volatile boolean cuttingOffHooks;

    /** nanoTime (odd, so never 0) when the worker last came back from its wait; 0 while it waits. */
    private volatile long pollSince;
    /**
     * nanoTime (odd) of the worker's last sign of progress — it came back from its wait, or
     * started or ended a handler's first step — and 0 while it waits. Old: the worker is stalled.
     */
    private volatile long stepSince;
    /** Time spent in Python steps ({@link #poll} to poll), for {@code siphon_python_busy_seconds}. */
    private volatile long busyNanos;
    /** The request whose handler runs its first step now ({@link #handle}); null between. */
    private volatile Dispatch running;
    /**
     * nanoTime (odd) when, since the worker last came back from its wait, a request of it passed
     * its deadline or one that Python holds was cancelled; stale (before {@link #pollSince}) or 0.
     */
    private volatile long overdueSince;
    /** Requests Python holds ({@link #inflight}'s size), published for {@link #load}. */
    private volatile int held;
    /** An interrupt of this context is under way; the worker waits for its end before re-entering. */
    private volatile boolean interrupting;
    /** The {@link #stepSince} of the step last interrupted: the watchdog does not interrupt it twice. */
    private volatile long interruptedStep;
    volatile long interrupts;
    /** The worker's thread has ended: it takes no more requests. */
    private volatile boolean ended;
    /** A fatal error was reported ({@link #fatal}); reported once. */
    private volatile boolean fatalReported;
    /** A fatal error that could not be reported where it was caught (no stack left); {@link #poll} reports it. */
    private volatile Throwable unreported;

    private volatile Context context;
    /** The context's Java object (worker thread only); detached once the context is closed. */
    private Bridge bridge;
    private Value fDeliver;
    private Value fCancel;
    private Value fServe;
    private Value fStop;
    private Value fStartHooks;
    private Value fShutdownHooks;
    private Value fCancelShutdownHooks;
    private Value fClientDone;
    private Value fClientFailed;
    private Value fStageDone;
    private Value fStageFailed;
    private Value fCacheDone;
    private Value fCacheFailed;
    /** Cache calls on Redis whose result Python awaits, by id; any thread removes (cacheJoin from the worker's). */
    private final Map<Long, CompletableFuture<Object>> cacheCalls = new java.util.concurrent.ConcurrentHashMap<>();
    private long nextCacheCall;
    private Value fRecover;
    private Value fTimerRun;
    private Value fTimerFire;
    private Value fTimerCancel;
    private Value fStreamCancelled;
    private Value fClientStreamDone;
    private Value fStreamFailed;
    /** The timer job whose run's first step runs now (in {@link #drainControl}), and that run; worker thread only. */
    private ScriptTimers.Job runningTimer;
    private long runningTimerSeq;
    /** Outbound calls and awaited host futures in flight, by the id Python gave them. Worker thread only. */
    private final Map<Long, CompletableFuture<?>> calls = new HashMap<>();
    private final Map<Long, Dispatch> inflight = new HashMap<>();
    private long nextRid;
    private boolean stopping;

    PythonWorker(int index, WorkerPool pool, Path script, int queueCapacity) {
        this.index = index;
        this.pool = pool;
        this.script = script;
        this.queue = new MpscVarHandleArrayQueue<>(queueCapacity);
        this.thread = Thread.ofPlatform().name("siphon-py-" + index).daemon(true).unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    Context context() {
        return context;
    }

    Path script() {
        return script;
    }

    ScriptTimers timers() {
        return pool.timers();
    }

    // ---- any thread ----

    /** Queues a request; false when the queue is full or the worker has ended. */
    boolean offer(Dispatch d) {
        if (ended) {
            return false;
        }
        d.worker = this;
        if (!queue.offer(d)) {
            return false;
        }
        signalSoon();
        return true;
    }

    /** The request timed out or its connection closed (called on the connection's loop). */
    void cancel(Dispatch d) {
        long now = System.nanoTime() | 1;
        d.cancelledAt = now;
        control.add(new Cancel(d));
        // a busy worker that does not take this within the grace is stuck (overran): a request
        // passed its deadline, queued or not, or Python holds one nobody waits for any more. A
        // waiting worker takes it at once (drainControl arms the watchdog for a held one then).
        long p = pollSince;
        long o = overdueSince;
        if ((d.rid != 0 || d.pastDeadline(now)) && p != 0 && (o == 0 || o - p < 0)) {
            overdueSince = now;
        }
        wakeup();
    }

    void wakeup() {
        signalSoon();
    }

    /**
     * Wakes the worker: at the end of the current loop pass when called on a loop thread (one
     * wake-up for every request that pass queued: on a single core each is a context switch),
     * else at once.
     */
    private void signalSoon() {
        EventLoop loop = EventLoop.current();
        if (loop != null) {
            loop.beforeBlocking(signal);
        } else {
            signal();
        }
    }

    private void signal() {
        if (parked) {
            LockSupport.unpark(thread);
        }
    }

    void startHooks() {
        control.add(Signal.START_HOOKS);
        wakeup();
    }

    /** Hands run {@code seq} of {@code job} to this worker; false when it has ended. Any thread. */
    boolean postTimerRun(ScriptTimers.Job job, long seq) {
        if (ended) {
            return false;
        }
        control.add(new TimerRun(job, seq));
        wakeup();
        return true;
    }

    /** The one-shot timer {@code id} this worker armed fired, or (not {@code fire}) was dropped. Any thread. */
    void postTimerFire(long id, boolean fire) {
        if (!ended) {
            control.add(new TimerFire(id, fire));
            wakeup();
        }
    }

    /** Shutdown: cancel the run of timer job {@code id} at its await. Any thread. */
    void postTimerCancel(long id) {
        if (!ended) {
            control.add(new TimerCancel(id));
            wakeup();
        }
    }

    /** Runs {@code task} on the worker's thread when it next takes its control events. For tests in this package. */
    void runOnWorkerThread(Runnable task) {
        control.add(new Task(task));
        wakeup();
    }

    /**
     * The JVM error behind {@code t} when it is fatal (see the class comment), else null: an
     * {@link Error}; a {@link PolyglotException} for a Java error raised in host code called from
     * Python; or one saying the JVM ran out of heap or stack inside Python (this server sets no
     * polyglot resource limits, so nothing else makes it "resource exhausted").
     */
    static Throwable fatalCause(Throwable t) {
        if (t instanceof Error) {
            return t;
        }
        if (t instanceof PolyglotException pe) {
            if (pe.isHostException() && pe.asHostException() instanceof Error e) {
                return e;
            }
            if (pe.isResourceExhausted()) {
                return pe;
            }
        }
        return null;
    }

    /**
     * Reports a fatal error once: one log line naming the worker and the error, with the stack
     * trace, then the pool's fatal error handler. Any thread (a Python thread the script started
     * may call the bridge too); returns {@code error} for the caller to rethrow.
     */
    <E extends Throwable> E fatal(E error) {
        if (!fatalReported) {
            try {
                String name = Thread.currentThread().getName();
                LOG.log(System.Logger.Level.ERROR, "fatal error on worker " + index + " (" + name + "): " + error,
                        error);
                pool.fatal(name, error);
                fatalReported = true;
                unreported = null;
            } catch (StackOverflowError again) {
                unreported = error; // caught deep in the stack: reported once it has unwound (poll, run)
            }
        }
        return error;
    }

    /**
     * Starts the {@code @http.on_shutdown} hooks, once, if this worker's {@code on_startup} hooks
     * all completed; false (and {@link #shutDown} complete) when they will not run here.
     */
    boolean startShutdownHooks() {
        if (!shutdownRequested.compareAndSet(false, true)) {
            return !shutDown.isDone();
        }
        if (ended || !started.isDone() || started.isCompletedExceptionally()) {
            shutDown.complete(null);
            return false;
        }
        control.add(Signal.SHUTDOWN_HOOKS);
        wakeup();
        return true;
    }

    /** The time limit passed: cancel the running on_shutdown hook at its next await. */
    void cancelShutdownHooks() {
        control.add(Signal.CANCEL_SHUTDOWN_HOOKS);
        wakeup();
    }

    WorkerPool pool() {
        return pool;
    }

    /**
     * No request waits in the queue, none is held by Python, and no handler runs its first step.
     * A request between the queue and its first step shows as none: callers check more than once
     * ({@link WorkerPool#retire}). Any thread.
     */
    boolean idle() {
        return queue.isEmpty() && held == 0 && running == null;
    }

    /** Requests waiting in this worker's queue. Any thread. */
    int queued() {
        return queue.size();
    }

    /** Time this worker has spent running Python code, the step now running included. Any thread. */
    long busyNanos() {
        long s = stepSince;
        long b = busyNanos;
        return s == 0 ? b : b + Math.max(0, System.nanoTime() - s);
    }

    /**
     * What the connection loops compare to pick a worker: requests queued plus those Python holds,
     * plus {@link #STALLED} while the worker has shown no progress for {@link #STALL_NANOS} (a
     * blocking or long handler: a request queued there waits for it), and the most when the
     * worker has ended. {@code now} is {@link System#nanoTime()}. Any thread.
     */
    long load(long now) {
        if (ended) {
            return Long.MAX_VALUE;
        }
        long s = stepSince;
        long n = queue.size() + held;
        return s != 0 && now - s > STALL_NANOS ? n + STALLED : n;
    }

    /**
     * What {@code /healthz} reports of this worker: null while it serves, else why not — its
     * thread ended, or one Python step has run longer than {@code limit} nanoseconds (past a
     * request's deadline, the watchdog's grace and its interrupt's wait: the interrupt did not
     * take). Any thread.
     */
    String healthProblem(long now, long limit) {
        if (ended) {
            return "worker " + index + " has stopped";
        }
        long s = stepSince;
        if (s != 0 && now - s > limit) {
            return "worker " + index + ": one Python step has run for " + (now - s) / 1_000_000 + " ms";
        }
        return null;
    }

    /**
     * Whether Python has kept this worker {@code grace} past a request's limit (the watchdog
     * thread asks): the handler in its first step ({@link #running}) is past its own request's
     * deadline or cancellation, whether or not Python saw the cancellation; or the code running is
     * none a request is known to run (a task step after an await — a cancelled one among them —,
     * a callback, a background task), it has run {@code grace} without a sign of progress, and
     * since the worker last came back from its wait a request of it passed its deadline (queued
     * ones too) or one Python holds was cancelled, {@code grace} ago. A step already interrupted
     * is not again.
     */
    boolean overran(long now, long grace) {
        long s = stepSince;
        if (s == 0 || interrupting || s == interruptedStep) {
            return false;
        }
        Dispatch r = running;
        if (r != null) {
            long limit = r.limit(now);
            return limit != dev.siphon.http.Responder.NO_DEADLINE && now - limit > grace;
        }
        long p = pollSince;
        long o = overdueSince;
        return o != 0 && p != 0 && o - p >= 0 && now - o > grace && now - s > grace;
    }

    /** The request whose handler runs its first step now, for the watchdog's log line; null when none is known. */
    Dispatch running() {
        return running;
    }

    /**
     * Interrupts the context ({@code Context.interrupt}) on a thread of its own, which waits up to
     * {@code waitMs} for Python to stop, so that a worker that does not stop holds up no other.
     * Returns that thread, or null when an interrupt is under way or there is no context. Any thread.
     */
    Thread interrupt(long waitMs) {
        Context c = context;
        synchronized (this) {
            if (c == null || interrupting) {
                return null;
            }
            interrupting = true;
            interruptedStep = stepSince;
        }
        return Thread.ofPlatform().name("siphon-py-interrupt-" + index).daemon(true).start(() -> {
            try {
                c.interrupt(java.time.Duration.ofMillis(waitMs));
            } catch (java.util.concurrent.TimeoutException e) {
                LOG.log(System.Logger.Level.ERROR, "worker " + index + ": Python did not stop within " + waitMs
                        + " ms of an interrupt (code that holds the thread outside Python?); trying again");
                interruptedStep = 0;
            } catch (IllegalStateException e) {
                // the context closed meanwhile (the server stops)
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "worker " + index + ": interrupt failed", e);
            } catch (Error e) {
                fatal(e);
            } finally {
                interrupting = false;
            }
        });
    }

    void stop(long timeoutMs) {
        control.add(Signal.STOP);
        wakeup();
        try {
            thread.join(timeoutMs);
            if (thread.isAlive()) {
                Context c = context;
                if (c != null) {
                    c.close(true);
                }
                thread.join(timeoutMs);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "worker " + index + " did not stop cleanly", e);
        }
    }

    // ---- the worker's thread ----

    private void run() {
        Context ctx = null;
        wakeups = EventLoop.deferWakeups();
        try {
            long t0 = System.nanoTime();
            ctx = pool.newContext(script);
            context = ctx;
            ctx.initialize("python");
            long t1 = System.nanoTime();
            bridge = new Bridge(this, pool.caches(), pool.clients(), pool.scriptMetrics());
            Value rt = pool.bootstrap(ctx, bridge);
            long t2 = System.nanoTime();
            Value err = rt.invokeMember("load_script", script.toString(), moduleName(script));
            long t3 = System.nanoTime();
            LOG.log(System.Logger.Level.INFO, () -> "start-up: worker " + index + ": Python context " + (t1 - t0) / 1_000_000
                    + " ms, siphon " + (t2 - t1) / 1_000_000 + " ms, script " + (t3 - t2) / 1_000_000 + " ms");
            if (!err.isNull()) {
                loaded.completeExceptionally(new ScriptException(script + ": the script failed to load:\n"
                        + err.asString().stripTrailing()));
                return;
            }
            Registrations regs = readRegistrations(rt);
            rt.invokeMember("prepare");
            fDeliver = rt.getMember("deliver");
            fCancel = rt.getMember("cancel");
            fServe = rt.getMember("serve");
            fStop = rt.getMember("stop");
            fStartHooks = rt.getMember("start_hooks");
            fShutdownHooks = rt.getMember("shutdown_hooks");
            fCancelShutdownHooks = rt.getMember("cancel_shutdown_hooks");
            fClientDone = rt.getMember("client_done");
            fClientFailed = rt.getMember("client_failed");
            fStageDone = rt.getMember("stage_done");
            fStageFailed = rt.getMember("stage_failed");
            fCacheDone = rt.getMember("cache_done");
            fCacheFailed = rt.getMember("cache_failed");
            fRecover = rt.getMember("recover");
            fTimerRun = rt.getMember("timer_run");
            fTimerFire = rt.getMember("timer_fire");
            fTimerCancel = rt.getMember("timer_cancel");
            fStreamCancelled = rt.getMember("stream_cancelled");
            fClientStreamDone = rt.getMember("client_stream_done");
            fStreamFailed = rt.getMember("stream_failed");
            loaded.complete(regs);
            serve();
        } catch (Throwable t) {
            Throwable jvmError = fatalCause(t);
            if (jvmError != null) {
                fatal(jvmError);
            }
            ScriptException e = new ScriptException("worker " + index + ": Python failed: " + t, t);
            if (!loaded.completeExceptionally(e) && jvmError == null) {
                LOG.log(System.Logger.Level.ERROR, "worker " + index + " stopped", t);
            }
            started.completeExceptionally(e);
        } finally {
            if (unreported != null) {
                fatal(unreported);
            }
            ended = true;
            for (CompletableFuture<?> f : calls.values()) {
                f.cancel(true);
            }
            calls.clear();
            // whatever is left will not be served by this worker: answer it rather than leave it hanging
            for (Dispatch d : inflight.values()) {
                d.responder.send(Responses.error(503).header("retry-after", "1"));
            }
            inflight.clear();
            Dispatch left;
            while ((left = queue.poll()) != null) {
                left.responder.send(Responses.error(503).header("retry-after", "1"));
            }
            if (wakeups != null) {
                wakeups.flush();
            }
            started.completeExceptionally(new ScriptException("worker " + index + " stopped"));
            shutDown.complete(null);
            if (ctx != null) {
                try {
                    ctx.close(true);
                } catch (RuntimeException ce) {
                    LOG.log(System.Logger.Level.DEBUG, "closing worker " + index, ce);
                }
                context = null; // a closed context is dead weight for whatever still holds this worker
            }
            if (bridge != null) {
                bridge.detach();
                bridge = null;
            }
        }
    }

    private void serve() {
        while (!stopping) {
            try {
                fServe.executeVoid();
            } catch (PolyglotException e) {
                if (fatalCause(e) != null) {
                    throw e; // run() reports it; the worker ends
                }
                if (e.isInterrupted() || interrupting) {
                    recoverFromInterrupt();
                } else if (e.isCancelled() || stopping) {
                    return;
                } else {
                    // the loop itself failed (not a handler: those are caught in Python)
                    LOG.log(System.Logger.Level.ERROR, "worker " + index + ": event loop failed, restarting it", e);
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                }
            }
        }
    }

    /**
     * The interrupt unwound Python's frames. The handlers it cut off never answer: the request
     * whose first step ran ({@link #running}) and those whose task step ran, which Python names
     * ({@code siphon._runtime.recover}, which also puts its asyncio state right); each gets 504
     * unless answered already. The requests whose tasks wait at an await go on.
     */
    private void recoverFromInterrupt() {
        Dispatch cut = running;
        running = null;
        long now = System.nanoTime() | 1;
        pollSince = now;
        stepSince = now; // progress: the watchdog is done with the step it interrupted
        while (interrupting) {
            Thread.interrupted(); // the polyglot engine interrupts the thread too; park would return at once
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        Thread.interrupted();
        int answered = 0;
        if (cut != null && cutOff(cut.rid)) {
            answered++;
        }
        ScriptTimers.Job job = runningTimer;
        runningTimer = null;
        if (job != null) {
            pool.timers().cutOff(job.id, runningTimerSeq);
        }
        try {
            Value lost = fRecover.execute();
            for (long i = 0; i < lost.getArraySize(); i++) {
                long id = lost.getArrayElement(i).asLong();
                if (id < 0) {
                    if (job == null || -id != job.id) {
                        pool.timers().cutOff(-id, -1); // a timer run's task (siphon._runtime: ids below zero)
                    }
                } else if (cutOff(id)) {
                    answered++;
                }
            }
        } catch (PolyglotException e) {
            if (fatalCause(e) != null) {
                throw e;
            }
            LOG.log(System.Logger.Level.ERROR, "worker " + index + ": putting Python right after an interrupt failed", e);
        }
        interrupts++;
        if (cuttingOffHooks) {
            shutDown.complete(null); // the pool logged which hook it cut off
            return;
        }
        int n = answered;
        LOG.log(System.Logger.Level.WARNING, () -> "worker " + index + ": interrupted; " + n
                + " request(s) whose handler it cut off end in 504; the worker goes on");
    }

    /** Request {@code rid} lost its handler to an interrupt: 504 unless answered already; true when it was held. */
    private boolean cutOff(long rid) {
        Dispatch d = inflight.remove(rid);
        if (d == null) {
            return false;
        }
        held = inflight.size();
        d.responder.send(Responses.error(504));
        return true;
    }

    /**
     * Called by Python's loop (through the bridge) when it has nothing to run: wait, then hand
     * over events.
     *
     * <p>The answers Python sent since the last call reach their loops now: the worker defers its
     * loop wake-ups ({@link EventLoop#deferWakeups}) and flushes them here, before it may park, so
     * that a batch of answers costs each loop one wake-up. Within a long batch they are flushed
     * once they have waited {@link #MAX_HOLD_NANOS}.
     */
    boolean poll(double timeoutSeconds) {
        if (unreported != null) {
            fatal(unreported);
        }
        wakeups.flush();
        long step = stepSince;
        if (step != 0 && RECORD_BUSY) {
            busyNanos += System.nanoTime() - step; // only this thread writes it
        }
        pollSince = 0;
        stepSince = 0;
        Object first = null;
        if (control.isEmpty()) {
            first = queue.poll();
            if (first == null && timeoutSeconds != 0) {
                first = await(timeoutSeconds);
                if (Thread.interrupted()) {
                    // Context.interrupt: the polyglot engine raises the interrupt in Python next
                    markPoll();
                    return true;
                }
            }
        }
        markPoll();
        boolean any = first != null || !control.isEmpty();
        drainControl();
        if (first != null) {
            handle(first);
        }
        for (int i = 0; i < BATCH; i++) {
            Object e = queue.poll();
            if (e == null) {
                break;
            }
            handle(e);
            if (wakeups.heldFor(MAX_HOLD_NANOS)) {
                wakeups.flush();
            }
        }
        return any;
    }

    private void markPoll() {
        long now = System.nanoTime() | 1;
        pollSince = now;
        stepSince = now;
    }

    /** Parks until a request or a control event arrives, or {@code timeoutSeconds} (negative: no limit) pass. */
    private Object await(double timeoutSeconds) {
        long deadline = timeoutSeconds < 0 ? 0 : System.nanoTime() + (long) (timeoutSeconds * 1e9);
        while (true) {
            parked = true;
            VarHandle.fullFence(); // publish parked before looking again: a producer either sees it or we see its work
            Object e = queue.poll();
            if (e != null || !control.isEmpty()) {
                parked = false;
                return e;
            }
            if (timeoutSeconds < 0) {
                LockSupport.park(this);
            } else {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    parked = false;
                    return null;
                }
                LockSupport.parkNanos(this, left);
            }
            parked = false;
            if (Thread.currentThread().isInterrupted()) {
                return null;
            }
        }
    }

    private void drainControl() {
        Control c;
        while ((c = control.poll()) != null) {
            switch (c) {
                case Cancel cancel -> {
                    Dispatch d = cancel.dispatch();
                    if (d.rid != 0 && inflight.containsKey(d.rid)) {
                        // its task runs its cancellation in this pass: it must give the worker back within the grace
                        long p = pollSince;
                        long o = overdueSince;
                        if (o == 0 || o - p < 0) {
                            overdueSince = p;
                        }
                        fCancel.executeVoid(d.rid);
                    }
                }
                case Completion done -> complete(done);
                case CacheDone done -> {
                    if (cacheCalls.remove(done.call()) != null) { // else Python waited for it itself (cacheJoin)
                        if (done.code() == 0) {
                            fCacheDone.executeVoid(done.call(), done.result());
                        } else {
                            fCacheFailed.executeVoid(done.call(), done.code(), done.message());
                        }
                    }
                }
                case Signal.START_HOOKS -> fStartHooks.executeVoid();
                case Signal.SHUTDOWN_HOOKS -> fShutdownHooks.executeVoid();
                case Signal.CANCEL_SHUTDOWN_HOOKS -> fCancelShutdownHooks.executeVoid();
                case Signal.STOP -> {
                    stopping = true;
                    fStop.executeVoid();
                }
                case Task task -> task.task().run();
                case TimerRun run -> runTimer(run);
                case TimerFire f -> fTimerFire.executeVoid(f.id(), f.fire() && !pool.timers().stopped());
                case TimerCancel tc -> fTimerCancel.executeVoid(tc.id());
                case StreamCancel sc -> fStreamCancelled.executeVoid(sc.token());
            }
        }
    }

    /** Starts a timer job's run: inline up to its end or first await, then as a task of the loop. */
    private void runTimer(TimerRun run) {
        if (!pool.timers().admit(run.job(), run.seq())) {
            return; // shutdown started since it was due
        }
        runningTimer = run.job();
        runningTimerSeq = run.seq();
        // no finally: when an interrupt cuts the run off, recoverFromInterrupt needs to know it
        fTimerRun.executeVoid(run.job().id, run.seq());
        runningTimer = null;
    }

    private void handle(Object e) {
        Dispatch d = (Dispatch) e;
        long now = System.nanoTime();
        if (d.responder.isCancelled()) {
            return; // the engine answered it (timeout), or its client left while it was queued
        }
        if (d.pastDeadline(now)) {
            d.responder.send(Responses.error(504)); // it waited its whole time in the queue: never run it
            return;
        }
        STEP_SINCE.setRelease(this, now | 1);
        RUNNING.setRelease(this, d);
        long rid = ++nextRid;
        d.rid = rid;
        inflight.put(rid, d);
        HELD.setRelease(this, inflight.size());
        Request r = d.request;
        // no finally: when an interrupt cuts the handler off, recoverFromInterrupt needs to know whose it was
        fDeliver.executeVoid(rid, d.route, r.method(), r.path(), flatten(r.pathParams()), headers(r),
                r.bodyStream() != null ? -1 : r.body().length);
        RUNNING.setRelease(this, (Dispatch) null);
        STEP_SINCE.setRelease(this, System.nanoTime() | 1);
    }

    /**
     * Starts outbound call {@code call} (an id Python chose) on client {@code client}; returns
     * null, or why the request cannot be sent (a URL or header the client refuses), which Python
     * raises as ValueError.
     *
     * @param headers flat [name, value, ...] strings
     * @param body    Python bytes (read in bulk through the buffer API), or null
     */
    String send(long call, int client, String method, String url, Value headers, Value body) {
        HttpClient c = pool.clients().get(client);
        Map<String, String> h = headerMap(headers);
        byte[] bytes = bytesOrNull(body);
        CompletableFuture<ClientResponse> f;
        HarnessOutbound canned = pool.outbound();
        try {
            f = canned == null ? c.send(method, url, h, bytes) : canned.send(pool.clients(), client, method, url, h, bytes);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        calls.put(call, f);
        long started = System.nanoTime();
        f.whenComplete((r, e) -> {
            // the client's loop or timer thread (or this thread, for a failure known at once)
            pool.clientMetrics().completed(client, started, r, e);
            control.add(new Completion(call, true, r, e));
            wakeup();
        });
        return null;
    }

    /**
     * As {@link #send}, with a streamed request body ({@code upload}, a pipe Python fills; null
     * for {@code body}) and/or a response whose body is read as it arrives ({@code streamResponse}:
     * the call completes at the response's head). Under a harness the upload is read whole and
     * the canned answer's body becomes a stream.
     */
    String sendStreaming(long call, int client, String method, String url, Value headers, Value body,
                         BodyStream upload, boolean streamResponse) {
        HttpClient c = pool.clients().get(client);
        Map<String, String> h = headerMap(headers);
        byte[] bytes = upload == null ? bytesOrNull(body) : null;
        CompletableFuture<?> f;
        HarnessOutbound canned = pool.outbound();
        try {
            if (canned != null) {
                byte[] known = bytes;
                CompletableFuture<byte[]> whole = upload == null ? CompletableFuture.completedFuture(known)
                        : upload.readAll(Integer.MAX_VALUE - 16);
                f = whole.thenCompose(b -> canned.send(pool.clients(), client, method, url, h, b))
                        .thenApply(r -> streamResponse ? new dev.siphon.http.client.StreamingResponse(r.status(),
                                r.headers(), r.version(), BodyStream.of(r.body())) : r);
            } else if (streamResponse) {
                f = upload == null ? c.sendStreaming(method, url, h, bytes)
                        : c.sendStreaming(method, url, h, upload, BodyStream.DEFAULT_WINDOW);
            } else {
                f = c.sendStream(method, url, h, upload);
            }
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        calls.put(call, f);
        long started = System.nanoTime();
        f.whenComplete((r, e) -> {
            ClientResponse whole = r instanceof ClientResponse cr ? cr : null;
            if (r instanceof dev.siphon.http.client.StreamingResponse sr) {
                whole = new ClientResponse(sr.status(), sr.headers(), new byte[0], sr.version());
            }
            pool.clientMetrics().completed(client, started, whole, e);
            control.add(new Completion(call, true, r, e));
            wakeup();
        });
        return null;
    }

    /** An outbound call's header fields, from Python's flat [name, value, ...]. */
    private static Map<String, String> headerMap(Value headers) {
        int n = (int) headers.getArraySize();
        if (n == 0) {
            return Map.of();
        }
        Map<String, String> h = new LinkedHashMap<>();
        for (int i = 0; i + 1 < n; i += 2) {
            h.put(headers.getArrayElement(i).asString(), headers.getArrayElement(i + 1).asString());
        }
        return h;
    }

    /** Python bytes, or null for None (an outbound call without a body). */
    private static byte[] bytesOrNull(Value body) {
        return body == null || body.isNull() ? null : bytesOf(body);
    }

    /** Python bytes, read in bulk through the buffer API. */
    private static byte[] bytesOf(Value body) {
        int size = (int) body.getBufferSize();
        byte[] bytes = new byte[size];
        if (size > 0) {
            // read into an exactly sized array: readBuffer rejects a partial destination (GraalPy 25.0)
            body.readBuffer(0, bytes, 0, size);
        }
        return bytes;
    }

    /** Whether the calling thread is this worker's. */
    boolean onWorkerThread() {
        return Thread.currentThread() == thread;
    }

    /**
     * Hands the result of a cache call on Redis to Python through {@link #poll} when it comes;
     * returns the call's id. Worker thread only.
     */
    long awaitCache(CompletableFuture<Object> f) {
        long call = ++nextCacheCall;
        cacheCalls.put(call, f);
        f.whenComplete((r, e) -> {
            // the Redis client's loop or timer thread
            if (e == null) {
                control.add(new CacheDone(call, r, 0, null));
            } else {
                Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                Caches.Failure x = c instanceof Caches.Failure f2 ? f2 : new Caches.Failure(Caches.CACHE_ERROR, String.valueOf(c));
                control.add(new CacheDone(call, null, x.code, x.getMessage()));
            }
            wakeup();
        });
        return call;
    }

    /** The pending cache call {@code call}, no longer handed to Python by {@link #poll}; null when it was. */
    CompletableFuture<Object> takeCache(long call) {
        return cacheCalls.remove(call);
    }

    /** Python no longer awaits {@code call} (its task was cancelled): cancel the request, which frees its connection. */
    void cancelCall(long call) {
        CompletableFuture<?> f = calls.remove(call);
        if (f != null) {
            f.cancel(true);
        }
    }

    /**
     * Python awaits {@code stage}, which a host namespace's method returned (call {@code call}):
     * its result reaches Python as {@link #complete} does a client's. Whatever thread completes
     * it only queues the result and wakes the worker. A cancelled await leaves the host's future
     * alone.
     */
    void awaitStage(long call, java.util.concurrent.CompletionStage<?> stage) {
        // a future of our own: cancelling the await (cancelCall) must not cancel the host's
        CompletableFuture<Object> f = new CompletableFuture<>();
        calls.put(call, f);
        f.whenComplete((v, e) -> {
            control.add(new Completion(call, false, v, e));
            wakeup();
        });
        stage.whenComplete((v, e) -> {
            if (e == null) {
                f.complete(v);
            } else {
                f.completeExceptionally(e);
            }
        });
    }

    private void complete(Completion done) {
        if (calls.remove(done.call()) == null) {
            return; // cancelled by Python meanwhile
        }
        if (!done.client()) {
            Throwable e = unwrap(done.failure());
            if (e == null) {
                fStageDone.executeVoid(done.call(), done.value());
            } else if (e instanceof BodyStream.BodyFailedException bf) {
                fStreamFailed.executeVoid(done.call(), bf.status(), String.valueOf(bf.getMessage()));
            } else if (e instanceof java.util.concurrent.CancellationException) {
                fStreamFailed.executeVoid(done.call(), 0, String.valueOf(e.getMessage()));
            } else if (e instanceof dev.siphon.http.client.ClientException) {
                fClientFailed.executeVoid(done.call(), ClientErrorKind.of(e).wire, String.valueOf(e.getMessage()));
            } else {
                fStageFailed.executeVoid(done.call(), e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            return;
        }
        if (done.value() instanceof dev.siphon.http.client.StreamingResponse sr) {
            fClientStreamDone.executeVoid(done.call(), sr.status(), flat(sr.headers()), sr.body());
            return;
        }
        ClientResponse r = (ClientResponse) done.value();
        if (r != null) {
            String[] flat = flat(r.headers());
            // the body as Latin-1 (one char per byte), which Python encodes back to bytes in bulk
            fClientDone.executeVoid(done.call(), r.status(), flat, new String(r.body(), StandardCharsets.ISO_8859_1));
            return;
        }
        Throwable e = unwrap(done.failure());
        fClientFailed.executeVoid(done.call(), ClientErrorKind.of(e).wire, String.valueOf(e.getMessage()));
    }

    /** A response's header fields as Python takes them: name, value, name, value... */
    private static String[] flat(Map<String, String> hs) {
        String[] flat = new String[hs.size() * 2];
        int i = 0;
        for (Map.Entry<String, String> e : hs.entrySet()) {
            flat[i++] = e.getKey();
            flat[i++] = e.getValue();
        }
        return flat;
    }

    private static Throwable unwrap(Throwable e) {
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    void reply(long rid, int status, Value headers, Value body) {
        Dispatch d = inflight.remove(rid);
        if (d == null) {
            return; // answered already: 504 after request_timeout_ms, or the client left
        }
        HELD.setRelease(this, inflight.size());
        Response response;
        try {
            response = new Response(status, headersOf(headers), bytesOf(body));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "the response of " + describe(d) + " cannot be sent", e);
            response = Responses.error(500);
        }
        d.responder.send(response);
    }

    private static Headers headersOf(Value headers) {
        int n = (int) headers.getArraySize();
        Headers h = new Headers(Math.max(4, n / 2 + 2));
        for (int i = 0; i + 1 < n; i += 2) {
            h.add(headers.getArrayElement(i).asString(), headers.getArrayElement(i + 1).asString());
        }
        return h;
    }

    void fail(long rid, String who, String detail) {
        pool.scriptError(who);
        Dispatch d = inflight.remove(rid);
        held = inflight.size();
        LOG.log(System.Logger.Level.ERROR, (who == null ? "handler" : who) + " failed on "
                + (d == null ? "a request that was already answered" : describe(d)) + ":\n"
                + (detail == null ? "" : detail.stripTrailing()));
        if (d != null) {
            d.responder.send(Responses.error(500));
        }
    }

    /**
     * The handler's task ended cancelled. The engine cancelled it (request timeout, client gone)
     * and answered already; or the handler raised CancelledError of its own accord, and the
     * request is answered 500 here rather than left to its timeout.
     */
    void cancelled(long rid) {
        Dispatch d = inflight.remove(rid);
        held = inflight.size();
        if (d != null && !d.responder.isCancelled()) {
            LOG.log(System.Logger.Level.ERROR, "the handler of " + describe(d)
                    + " raised CancelledError, but the request was not cancelled; answering 500");
            d.responder.send(Responses.error(500));
        }
    }

    String body(long rid) {
        Dispatch d = live(rid);
        BodyStream stream = d.request.bodyStream();
        if (stream == null) {
            return new String(d.request.body(), StandardCharsets.ISO_8859_1);
        }
        // a streaming route's req.body(): the whole body, waited for here (the connection's loop
        // feeds the stream; its stall timeout bounds the wait), up to the route's cap
        long cap = Math.min(pool.registrations().routes().get(d.route).streamCap(), Integer.MAX_VALUE - 16);
        try {
            return new String(stream.readAll(cap).get(), StandardCharsets.ISO_8859_1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the request body arrived");
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("the request body could not be read whole: " + e.getCause().getMessage());
        }
    }

    /** Request {@code rid}'s body as it arrives, for {@code req.stream()}; null when its route buffers bodies. */
    BodyStream requestStream(long rid) {
        return live(rid).request.bodyStream();
    }

    /**
     * The next chunk of {@code stream} as a Latin-1 string when one is ready; else null, and the
     * chunk (a string, or None at the end) or the failure arrives as call {@code cid}.
     */
    String streamRead(BodyStream stream, long cid) {
        CompletableFuture<byte[]> f = stream.read();
        if (f.isDone() && !f.isCompletedExceptionally()) {
            byte[] c = f.join();
            if (c != null) {
                return new String(c, StandardCharsets.ISO_8859_1);
            }
        }
        awaitStage(cid, f.thenApply(c -> c == null ? null : new String(c, StandardCharsets.ISO_8859_1)));
        return null;
    }

    /**
     * Answers request {@code rid} with a streaming response and returns its body's pipe, which
     * Python fills ({@link #streamWrite}); null when the request was answered already. When the
     * client goes away, Python's task {@code token} is cancelled ({@code stream_cancelled}).
     */
    BodyStream replyStream(long rid, int status, Value headers, long token) {
        Dispatch d = inflight.remove(rid);
        if (d == null) {
            return null;
        }
        HELD.setRelease(this, inflight.size());
        try {
            BodyStream body = new BodyStream(BodyStream.DEFAULT_WINDOW);
            Response response = Response.streaming(status, headersOf(headers), body);
            body.onCancel(() -> {
                control.add(new StreamCancel(token));
                wakeup();
            });
            d.responder.send(response);
            return body;
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "the response of " + describe(d) + " cannot be sent", e);
            d.responder.send(Responses.error(500));
            return null;
        }
    }

    /**
     * Adds a chunk (Python bytes) to a streaming response's body: true when there is room for
     * the next one; else false, and call {@code cid} completes when there is (or fails when the
     * client went away).
     */
    boolean streamWrite(BodyStream stream, long cid, Value chunk) {
        CompletableFuture<Void> f = stream.write(bytesOf(chunk));
        if (f.isDone() && !f.isCompletedExceptionally()) {
            return true;
        }
        awaitStage(cid, f);
        return false;
    }

    /** An upload's iterator raised: the outbound call fails with {@code message} (the script sees it there). */
    void streamAbort(BodyStream stream, String message) {
        stream.fail(new java.io.IOException(message));
    }

    /** A streaming response's iterator raised: logged naming the handler; the client sees the body cut short. */
    void streamFail(BodyStream stream, String who, String detail) {
        pool.scriptError(who);
        LOG.log(System.Logger.Level.ERROR, "the streaming body of " + who + " failed:\n"
                + (detail == null ? "" : detail.stripTrailing()));
        // the traceback as the cause: a harness names it (ScriptHarness), a connection logs only the message
        stream.fail(new java.io.IOException("the streaming body of " + who + " failed",
                detail == null ? null : new ScriptException(detail.stripTrailing())));
    }

    /** The engine's answer to request {@code rid}, which matched no route: {status, name, value, ..., body (Latin-1)}. */
    String[] unmatchedAnswer(long rid) {
        dev.siphon.http.Response a = live(rid).request.unmatchedAnswer();
        dev.siphon.http.Headers h = a.headers();
        String[] out = new String[2 + 2 * h.size()];
        out[0] = Integer.toString(a.status());
        for (int i = 0; i < h.size(); i++) {
            out[1 + 2 * i] = h.name(i);
            out[2 + 2 * i] = h.value(i);
        }
        out[out.length - 1] = new String(a.body(), StandardCharsets.ISO_8859_1);
        return out;
    }

    String[] query(long rid) {
        return flatten(live(rid).request.queryParams());
    }

    String rawQuery(long rid) {
        String q = live(rid).request.rawQuery();
        return q == null ? "" : q;
    }

    String client(long rid) {
        return live(rid).request.client();
    }

    /** The request's id (its valid x-request-id, or one the engine made); "" for a request made outside a listener. */
    String requestId(long rid) {
        String id = live(rid).request.requestId();
        return id == null ? "" : id;
    }

    /**
     * The TLS details of the request's connection, flat for Python: protocol, cipher suite,
     * ALPN protocol, SNI host name, then, when a client certificate was verified, its subject,
     * issuer and subject alternative names; {@code null} on cleartext. Absent values are "".
     */
    String[] tls(long rid) {
        dev.siphon.http.TlsInfo t = live(rid).request.tls();
        if (t == null) {
            return null;
        }
        dev.siphon.http.ClientCert c = t.clientCert();
        int n = 4 + (c == null ? 0 : 2 + c.sans().size());
        String[] out = new String[n];
        out[0] = t.protocol();
        out[1] = t.cipherSuite();
        out[2] = t.applicationProtocol() == null ? "" : t.applicationProtocol();
        out[3] = t.serverName() == null ? "" : t.serverName();
        if (c != null) {
            out[4] = c.subject();
            out[5] = c.issuer();
            for (int i = 0; i < c.sans().size(); i++) {
                out[6 + i] = c.sans().get(i);
            }
        }
        return out;
    }

    void startupDone(String hook, String traceback) {
        if (hook == null) {
            started.complete(null);
            pool.timers().workerStarted(this); // the timer jobs it owns start their schedule
        } else {
            started.completeExceptionally(new ScriptException(script + ": @http.on_startup hook " + hook
                    + " raised (worker " + index + "):\n" + (traceback == null ? "" : traceback.stripTrailing())));
        }
    }

    void shutdownHook(String hook) {
        shutdownHook = hook;
    }

    void shutdownHookFailed(String hook, String traceback) {
        LOG.log(System.Logger.Level.ERROR, script + ": @http.on_shutdown hook " + hook + " raised (worker " + index
                + "); the next hooks still run:\n" + (traceback == null ? "" : traceback.stripTrailing()));
    }

    void shutdownDone() {
        shutdownHook = null;
        shutDown.complete(null);
    }

    private Dispatch live(long rid) {
        Dispatch d = inflight.get(rid);
        if (d == null) {
            throw new IllegalStateException("request " + rid + " was already answered; read the request before answering");
        }
        return d;
    }

    static String describe(Dispatch d) {
        Request r = d.request;
        return r.method() + " " + r.path() + (r.routePattern() == null ? "" : " (route " + r.routePattern() + ")");
    }

    private static String[] flatten(Map<String, String> m) {
        if (m.isEmpty()) {
            return NO_STRINGS;
        }
        String[] a = new String[m.size() * 2];
        int i = 0;
        for (Map.Entry<String, String> e : m.entrySet()) {
            a[i++] = e.getKey();
            a[i++] = e.getValue();
        }
        return a;
    }

    private static String[] headers(Request r) {
        Headers h = r.headers();
        int n = h.size();
        String[] a = new String[n * 2];
        for (int i = 0; i < n; i++) {
            a[2 * i] = h.name(i);
            a[2 * i + 1] = h.value(i);
        }
        return a;
    }

    private static Registrations readRegistrations(Value rt) {
        Value flat = rt.invokeMember("registrations");
        List<RouteSpec> routes = new ArrayList<>();
        long n = flat.getArraySize();
        for (long i = 0; i + 3 < n; i += 4) {
            Value ms = flat.getArrayElement(i + 1);
            List<String> methods = new ArrayList<>();
            for (long j = 0; j < ms.getArraySize(); j++) {
                methods.add(ms.getArrayElement(j).asString());
            }
            routes.add(new RouteSpec(flat.getArrayElement(i).asString(), methods,
                    flat.getArrayElement(i + 2).asString(), flat.getArrayElement(i + 3).asLong()));
        }
        Value counts = rt.invokeMember("counts");
        return new Registrations(routes, counts.getArrayElement(0).asInt(), counts.getArrayElement(1).asInt(),
                counts.getArrayElement(2).asInt(), counts.getArrayElement(3).asInt());
    }

    /** The module name the script runs as: its file name without ".py" when that is an identifier. */
    static String moduleName(Path script) {
        String f = script.getFileName().toString();
        String stem = f.endsWith(".py") ? f.substring(0, f.length() - 3) : f;
        return stem.matches("[A-Za-z_][A-Za-z0-9_]*") ? stem : "__siphon_script__";
    }
}
