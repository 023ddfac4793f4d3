package dev.siphon.http.net;

import dev.siphon.http.FatalErrorHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.jctools.queues.varhandle.MpscUnboundedVarHandleArrayQueue;

/**
 * One selector and the connections registered with it. Runs on its own thread (virtual or
 * platform, per {@code engine.loop_threads}); everything that touches a selection key, a
 * connection or a pooled buffer runs here. Other threads hand work in through
 * {@link #execute(Runnable)}, which wakes the selector at most once per blocking select.
 *
 * <p>Hand-offs are batched in both directions, because on a single core every wake-up of
 * another thread is a context switch: work this loop hands to another thread signals it once
 * per pass ({@link #beforeBlocking}), after every ready key was handled, and a thread that
 * answers many requests in a row wakes each loop once per batch ({@link #deferWakeups}).
 *
 * <p>Every failure a connection can cause is caught where it costs that connection only. What
 * still ends the loop — an {@link Error} (out of memory, stack overflow, a handler's own) or an
 * exception that escaped those guards — would leave a half-alive engine: its listeners closed or
 * its connections never served. The loop closes what it holds, logs the failure once and hands it
 * to its owner's {@link FatalErrorHandler}, which closes the rest.
 */
public final class EventLoop implements Runnable {
    private static final System.Logger LOG = System.getLogger("siphon.http.loop");
    /** Timer resolution: header, body, idle and request timeouts are checked this often. */
    static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /**
     * TLS handshake steps (reads of a connection still in its handshake) per pass of the loop. A
     * step can cost a millisecond or more of CPU (a key exchange and a signature); handshaking
     * connections past this wait for the next pass, after the established connections of this one
     * were served, so a flood of handshakes delays the loop's other requests by a few steps per
     * pass instead of by the whole flood.
     */
    static final int HANDSHAKE_STEPS_PER_PASS = 4;

    private final int id;
    private final FatalErrorHandler owner;
    private final Selector selector;
    private final BufferPool pool;
    private final MpscUnboundedVarHandleArrayQueue<Runnable> tasks = new MpscUnboundedVarHandleArrayQueue<>(1024);
    private final AtomicBoolean needsWakeup = new AtomicBoolean();
    private final ArrayList<Connection> connections = new ArrayList<>();
    private final ArrayList<Listener> listeners = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** The loop running on each loop thread. */
    private static final ThreadLocal<EventLoop> CURRENT = new ThreadLocal<>();
    /** Threads that defer their wake-ups of loops ({@link #deferWakeups}). */
    private static final ThreadLocal<WakeupBatch> DEFERRING = new ThreadLocal<>();
    /** Run before the loop next blocks; loop thread only. */
    private final ArrayList<Runnable> beforeBlocking = new ArrayList<>(4);
    private volatile Thread thread;
    private volatile boolean shuttingDown;
    private boolean closing;
    private long shutdownDeadline;
    private long nextTick;
    /** Handshake steps left in this pass ({@link #HANDSHAKE_STEPS_PER_PASS}). */
    private int handshakeSteps;
    /** {@link #shared} objects, by key. */
    private final HashMap<Object, Object> shared = new HashMap<>(4);

    /**
     * @param owner told, from the loop's thread after the loop stopped, when a failure ended it
     */
    public EventLoop(int id, int bufferSize, FatalErrorHandler owner) {
        this.id = id;
        this.owner = java.util.Objects.requireNonNull(owner, "owner");
        this.pool = new BufferPool(bufferSize, 1024);
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector", e);
        }
    }

    public int id() {
        return id;
    }

    public BufferPool pool() {
        return pool;
    }

    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** Runs {@code task} on this loop: at once when called from it, else queued. */
    public void execute(Runnable task) {
        if (inLoop()) {
            task.run();
        } else {
            submit(task);
        }
    }

    /**
     * Queues {@code task} to run on this loop after the current event, from any thread. Wakes the
     * loop if it is blocked, unless the calling thread defers its wake-ups ({@link #deferWakeups}).
     */
    public void submit(Runnable task) {
        tasks.offer(task);
        if (needsWakeup.get()) {
            WakeupBatch batch = DEFERRING.get();
            if (batch != null) {
                batch.add(this);
            } else {
                wakeup();
            }
        }
    }

    /** Wakes the loop if it blocks (or is about to) in its selector. Any thread. */
    public void wakeup() {
        if (needsWakeup.compareAndSet(true, false)) {
            selector.wakeup();
        }
    }

    /** The loop whose thread is the calling thread, or null. */
    public static EventLoop current() {
        return CURRENT.get();
    }

    /**
     * Runs {@code action} once before this loop next blocks, after the ready keys and tasks of
     * this pass: a consumer fed several requests in one pass is signalled once, not once per
     * request. Called again with the same action (by identity) before then, it still runs once.
     * Loop thread only.
     */
    public void beforeBlocking(Runnable action) {
        if (!beforeBlocking.contains(action)) {
            beforeBlocking.add(action);
        }
    }

    private void runBeforeBlocking() {
        int n = beforeBlocking.size();
        if (n == 0) {
            return;
        }
        for (int i = 0; i < n; i++) {
            try {
                beforeBlocking.get(i).run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "task failed on loop " + id, e);
            }
        }
        beforeBlocking.clear();
    }

    /**
     * From now on, the selector wake-ups that {@link #submit} would do for the calling thread wait
     * in the returned batch until its {@link WakeupBatch#flush}: a thread answering many requests
     * in a row wakes each loop once. For threads that are not loops (a Python worker).
     */
    public static WakeupBatch deferWakeups() {
        WakeupBatch b = new WakeupBatch();
        DEFERRING.set(b);
        return b;
    }

    /** The loops one thread owes a wake-up ({@link #deferWakeups}). Used by that thread only. */
    public static final class WakeupBatch {
        private final ArrayList<EventLoop> loops = new ArrayList<>(4);
        private long since;

        WakeupBatch() {}

        void add(EventLoop loop) {
            if (loops.isEmpty()) {
                since = System.nanoTime();
            } else if (loops.contains(loop)) {
                return;
            }
            loops.add(loop);
        }

        /** Wakes every loop this thread queued work for since the last flush. */
        public void flush() {
            int n = loops.size();
            if (n == 0) {
                return;
            }
            for (int i = 0; i < n; i++) {
                loops.get(i).wakeup();
            }
            loops.clear();
        }

        /** True when a wake-up has been held for at least {@code nanos}. */
        public boolean heldFor(long nanos) {
            return !loops.isEmpty() && System.nanoTime() - since >= nanos;
        }
    }

    Selector selector() {
        return selector;
    }

    /**
     * What is attached to every channel registered with this loop: a listener, a
     * {@link SocketPump} (a server connection, or a client's through {@link #register}). The loop
     * calls it on readiness, on the loop thread. Its owner closes the channel.
     */
    public interface ChannelHandler {
        void onReady(SelectionKey key);
    }

    /** Registers {@code channel} for {@code ops} with {@code handler} attached. Loop thread only. */
    public SelectionKey register(SelectableChannel channel, int ops, ChannelHandler handler)
            throws ClosedChannelException {
        if (!inLoop()) {
            throw new IllegalStateException("register is for the loop's own thread");
        }
        return channel.register(selector, ops, handler);
    }

    /**
     * The object this loop keeps under {@code key}, made by {@code make} on first use: working
     * space that every connection of the loop uses in turn, within one call, instead of each
     * holding its own while idle (the HTTP/1.1 head parser's scratch arrays). Loop thread only.
     */
    public <T> T shared(Object key, Supplier<T> make) {
        @SuppressWarnings("unchecked")
        T t = (T) shared.computeIfAbsent(key, k -> make.get());
        return t;
    }

    /**
     * Takes one of this pass's TLS handshake steps; false when they are used up and the
     * handshake must wait for the next pass. Loop thread only.
     */
    boolean takeHandshakeStep() {
        if (handshakeSteps == 0) {
            return false;
        }
        handshakeSteps--;
        return true;
    }

    void add(Connection c) {
        c.loopIndex = connections.size();
        connections.add(c);
    }

    void remove(Connection c) {
        int i = c.loopIndex;
        if (i < 0) {
            return;
        }
        Connection last = connections.remove(connections.size() - 1);
        if (last != c) {
            connections.set(i, last);
            last.loopIndex = i;
        }
        c.loopIndex = -1;
    }

    void add(Listener l) {
        listeners.add(l);
    }

    public int connectionCount() {
        return connections.size();
    }

    /** One line per open connection ({@link Connection#describe}), taken on the loop thread. Any thread. */
    public CompletableFuture<List<String>> describeConnections() {
        CompletableFuture<List<String>> f = new CompletableFuture<>();
        submit(() -> {
            long now = System.nanoTime();
            List<String> lines = new ArrayList<>(connections.size());
            for (Connection c : connections) {
                lines.add(c.describe(now));
            }
            f.complete(lines);
        });
        return f;
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        CURRENT.set(this);
        Throwable failure = null;
        try {
            serve();
        } catch (ClosedSelectorException e) {
            // closed under us: stop
        } catch (Throwable t) {
            failure = t; // see the class comment: fatal to the engine
        }
        try {
            closeAll();
        } catch (Throwable t) {
            if (failure == null) {
                failure = t;
            } else {
                failure.addSuppressed(t);
            }
        } finally {
            stopped.countDown();
        }
        if (failure != null) {
            String name = Thread.currentThread().getName();
            LOG.log(System.Logger.Level.ERROR, "fatal error on event loop " + id + " (" + name + "): " + failure,
                    failure);
            try {
                owner.onFatalError(name, failure);
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.ERROR, "the fatal error handler of event loop " + id + " failed", t);
            }
        }
    }

    private void serve() throws IOException {
        while (true) {
            handshakeSteps = HANDSHAKE_STEPS_PER_PASS;
            runTasks();
            runBeforeBlocking();
            long now = System.nanoTime();
            if (now - nextTick >= 0) {
                tick(now);
                nextTick = now + TICK_NANOS;
            }
            if (shuttingDown && (connections.isEmpty() || now - shutdownDeadline >= 0)) {
                return;
            }
            needsWakeup.set(true);
            if (!tasks.isEmpty()) {
                selector.selectNow(this::onKey);
            } else if (connections.isEmpty() && !shuttingDown && !acceptPaused()) {
                selector.select(this::onKey); // idle: nothing to time out
            } else {
                long waitMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextTick - System.nanoTime()));
                selector.select(this::onKey, waitMs);
            }
            needsWakeup.lazySet(false); // a late wakeup() only costs one spurious select
        }
    }

    private void runTasks() {
        Runnable r;
        int budget = 4096; // keep I/O flowing under a flood of tasks
        while (budget-- > 0 && (r = tasks.relaxedPoll()) != null) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "task failed on loop " + id, e);
            }
        }
    }

    private void onKey(SelectionKey key) {
        ((ChannelHandler) key.attachment()).onReady(key);
    }

    /** True when a listener of this loop waits for its tick to accept again. */
    private boolean acceptPaused() {
        for (Listener l : listeners) {
            if (l.acceptPaused()) {
                return true;
            }
        }
        return false;
    }

    private void tick(long now) {
        for (Listener l : listeners) {
            l.onTick(now);
        }
        // Iterate backwards: a connection may close (and swap-remove itself) during the check.
        for (int i = connections.size() - 1; i >= 0; i--) {
            if (i < connections.size()) {
                connections.get(i).onTick(now);
            }
        }
    }

    /**
     * Stops accepting, lets in-flight requests finish for up to {@code graceNanos}, then closes
     * what is left and ends the loop. Any thread.
     */
    public void shutdown(long graceNanos) {
        submit(() -> {
            if (shuttingDown) {
                return;
            }
            shuttingDown = true;
            shutdownDeadline = System.nanoTime() + graceNanos;
            for (Listener l : listeners) {
                l.close();
            }
            for (int i = connections.size() - 1; i >= 0; i--) {
                if (i < connections.size()) {
                    connections.get(i).shutdown();
                }
            }
        });
    }

    public boolean awaitStopped(long timeout, TimeUnit unit) throws InterruptedException {
        return stopped.await(timeout, unit);
    }

    public boolean isShuttingDown() {
        return shuttingDown;
    }

    /** Releases the selector of a loop that was never started (a failed engine start). */
    public void abandon() {
        try {
            selector.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "selector close failed", e);
        }
    }

    boolean isStopped() {
        return closing;
    }

    private void closeAll() {
        closing = true;
        for (Listener l : listeners) {
            l.close();
        }
        for (int i = connections.size() - 1; i >= 0; i--) {
            connections.get(i).close();
        }
        Runnable r;
        while ((r = tasks.poll()) != null) {
            try {
                r.run(); // late replies: their connections are closed, so they are dropped
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "late task failed on stopped loop " + id, e);
            }
        }
        pool.clear();
        try {
            selector.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "selector close failed", e);
        }
    }
}
