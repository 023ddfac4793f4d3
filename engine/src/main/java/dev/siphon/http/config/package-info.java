/**
 * The http.yaml configuration: immutable records ({@link dev.siphon.http.config.HttpConfig} and its
 * parts) and the {@link dev.siphon.http.config.ConfigLoader} that reads them with line-accurate
 * errors. The file format is documented in {@code docs/configuration.md}.
 *
 * <p>Each key is declared once, as a {@link dev.siphon.http.config.Setting} in the
 * {@link dev.siphon.http.config.Section} of the record it fills (name, type, default, bounds, a
 * line of description). The loader splits in two: {@link dev.siphon.http.config.YamlReader} reads
 * YAML generically (nodes, lines, merges, environment expansion, typing, error messages) and
 * {@link dev.siphon.http.config.ConfigLoader} is the schema that walks the sections.
 *
 * <p>Everything here runs once, on the thread that starts the engine, before any socket is
 * opened; the records are immutable and safe to share with every loop and worker afterwards.
 */
package dev.siphon.http.config;
