package dev.siphon.http.it;

import dev.siphon.http.FatalErrorHandler;
import dev.siphon.http.HttpEngine;

/**
 * The program {@code FatalErrorTest.theExitHandlerEndsTheProcessWithStatus70} runs in a JVM of its
 * own: an engine whose handler throws a StackOverflowError, with the launcher's fatal error
 * handler. Prints "port N" once it listens.
 */
public final class FatalExitMain {
    private FatalExitMain() {}

    public static void main(String[] args) throws Exception {
        HttpEngine engine = HttpEngine.builder()
                .listen("127.0.0.1:0")
                .settings(EngineFixture.settings())
                .onFatalError(FatalErrorHandler.exit())
                .route("GET", "/overflow", req -> {
                    throw new StackOverflowError("test");
                })
                .start();
        System.out.println("port " + engine.port());
        System.out.flush();
        engine.awaitTermination();
        System.exit(0); // not reached: the handler halts the JVM with 70 first
    }
}
