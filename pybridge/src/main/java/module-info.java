/** Python route handlers on GraalPy: {@code PythonServer} and the launcher behind bin/siphon-http. */
module dev.siphon.http.py {
    requires transitive dev.siphon.http;
    requires transitive dev.siphon.http.client;
    requires transitive java.logging;
    requires transitive org.graalvm.polyglot;
    requires org.jctools.core.jdk11;
    requires org.yaml.snakeyaml;
    requires jdk.unsupported; // sun.misc.Signal: SIGHUP reloads (Reloader)

    exports dev.siphon.http.py;
}
