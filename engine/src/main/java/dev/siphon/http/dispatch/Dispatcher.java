package dev.siphon.http.dispatch;

import dev.siphon.http.AsyncHandler;
import dev.siphon.http.Request;
import dev.siphon.http.Response;
import dev.siphon.http.router.RouteMatch;
import dev.siphon.http.router.Router;

/**
 * Routes a request and calls its handler. 404, 405 (with {@code Allow}) and 400 for a
 * malformed path are answered here without calling any handler. Called on the connection's
 * loop thread; shared by all loops. The router is immutable and replaced whole by {@link
 * #reroute} (any thread): a request is matched against the one router read once, and a request
 * matched before a reroute runs the handler it matched.
 */
public final class Dispatcher {
    private volatile Router<AsyncHandler> router;

    public Dispatcher(Router<AsyncHandler> router) {
        this.router = router;
    }

    /** Routes requests matched from now on with {@code next} (HttpEngine.reroute). Any thread. */
    public void reroute(Router<AsyncHandler> next) {
        this.router = java.util.Objects.requireNonNull(next);
    }

    public RouteMatch<AsyncHandler> match(String method, String path) {
        return router.match(method, path);
    }

    /**
     * Whether {@code m}, a request no route matched, goes to the unmatched handler ({@link
     * dev.siphon.http.HttpEngine.Builder#unmatched}) rather than the engine's own answer: a
     * 404 or 405 when there is one; never a malformed path (400).
     */
    public boolean toUnmatched(RouteMatch<AsyncHandler> m) {
        return router.unmatched() != null
                && (m instanceof RouteMatch.NotFound<AsyncHandler> || m instanceof RouteMatch.MethodNotAllowed<AsyncHandler>);
    }

    /** Calls the unmatched handler for a request built with {@link Request#unmatchedAnswer()} set; as {@link #invoke}. */
    public void invokeUnmatched(Exchange exchange) {
        AsyncHandler h = router.unmatched();
        if (h == null) {
            // rerouted between toUnmatched and here to a router without one: the engine's own answer
            exchange.send(exchange.request().unmatchedAnswer());
            return;
        }
        invoke(h, exchange);
    }

    /** The engine's answer for a request that matched no handler. */
    public static Response answerFor(RouteMatch<AsyncHandler> m) {
        return switch (m) {
            case RouteMatch.NotFound<AsyncHandler> nf -> Responses.error(404);
            case RouteMatch.MethodNotAllowed<AsyncHandler> mna -> Responses.error(405).header("allow", mna.allow());
            case RouteMatch.BadPath<AsyncHandler> bad -> Responses.error(400);
            case RouteMatch.Found<AsyncHandler> f -> throw new IllegalArgumentException("route was found");
        };
    }

    /**
     * Calls the handler; an exception it throws answers 500 (logged once, with the route). An
     * {@link Error} is not answered: it goes on up and ends the loop, which is fatal to the engine
     * ({@link dev.siphon.http.FatalErrorHandler}) — after an OutOfMemoryError or a
     * StackOverflowError on the loop's thread nothing it holds can be trusted.
     */
    public static void invoke(AsyncHandler handler, Exchange exchange) {
        try {
            handler.handle(exchange.request(), exchange);
        } catch (Error e) {
            throw e;
        } catch (Throwable t) {
            exchange.fail(t);
        }
    }
}
