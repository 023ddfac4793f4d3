package dev.siphon.http.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jctools.queues.varhandle.MpscUnboundedVarHandleArrayQueue;

/**
 * One selector and the connections registered with it. Runs on its own thread (virtual or
 * platform, per {@code engine.loop_threads}); everything that touches a selection key, a
 * connection or a pooled buffer runs here. Other threads hand work in through
 * {@link #execute(Runnable)}, which wakes the selector at most once per blocking select.
 */
public final class EventLoop implements Runnable {
    private static final System.Logger LOG = System.getLogger("siphon.http.loop");
    /** Timer resolution: header, body, idle and request timeouts are checked this often. */
    static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final int id;
    private final Selector selector;
    private final BufferPool pool;
    private final MpscUnboundedVarHandleArrayQueue<Runnable> tasks = new MpscUnboundedVarHandleArrayQueue<>(1024);
    private final AtomicBoolean needsWakeup = new AtomicBoolean();
    private final ArrayList<Connection> connections = new ArrayList<>();
    private final ArrayList<Listener> listeners = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile Thread thread;
    private volatile boolean shuttingDown;
    private boolean closing;
    private long shutdownDeadline;
    private long nextTick;

    public EventLoop(int id, int bufferSize) {
        this.id = id;
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

    /** Queues {@code task} to run on this loop after the current event, from any thread. */
    public void submit(Runnable task) {
        tasks.offer(task);
        if (needsWakeup.compareAndSet(true, false)) {
            selector.wakeup();
        }
    }

    Selector selector() {
        return selector;
    }

    /**
     * A channel that code outside this package (the outbound client) registers with this loop
     * through {@link #register}; the loop calls it on readiness, on the loop thread. Its owner
     * closes the channel: the loop neither times nor closes it.
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

    @Override
    public void run() {
        thread = Thread.currentThread();
        try {
            while (true) {
                runTasks();
                long now = System.nanoTime();
                if (now - nextTick >= 0) {
                    tick(now);
                    nextTick = now + TICK_NANOS;
                }
                if (shuttingDown && (connections.isEmpty() || now - shutdownDeadline >= 0)) {
                    break;
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
        } catch (ClosedSelectorException e) {
            // closed under us: stop
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "event loop " + id + " failed", e);
        } finally {
            closeAll();
            stopped.countDown();
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
        Object a = key.attachment();
        if (a instanceof Connection c) {
            c.onReady(key);
        } else if (a instanceof Listener l) {
            l.onAcceptable();
        } else if (a instanceof ChannelHandler h) {
            h.onReady(key);
        }
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
