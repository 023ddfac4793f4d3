/**
 * The http.yaml configuration: immutable records ({@link dev.siphon.http.config.HttpConfig} and its
 * parts) and the {@link dev.siphon.http.config.ConfigLoader} that reads them with line-accurate
 * errors. The file format is documented in {@code docs/configuration.md}.
 *
 * <p>Everything here runs once, on the thread that starts the engine, before any socket is
 * opened; the records are immutable and safe to share with every loop and worker afterwards.
 */
package dev.siphon.http.config;
