package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.config.ConfigLoader;
import dev.siphon.http.config.HttpConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The templates in deploy/, the parts that need no container: what they hand the server is
 * accepted by the server, the manifests pass the Kubernetes schemas, and the docs show the unit
 * that is shipped. {@code make deploy-check} (deploy/check.sh) builds and runs them all for real.
 */
class DeployTemplatesTest {
    static final Path ROOT = LauncherTest.ROOT;
    static final Path DEPLOY = ROOT.resolve("deploy");

    /** The ConfigMap's http.yaml and app.py pass the launcher's --check; so do the image's. */
    @Test
    void configMapAndImageConfigurationPassTheLaunchersCheck(@TempDir Path dir) throws Exception {
        Map<String, Object> configMap = new Yaml().load(Files.readString(DEPLOY.resolve("k8s/configmap.yaml")));
        @SuppressWarnings("unchecked")
        Map<String, String> data = (Map<String, String>) configMap.get("data");
        Path yaml = LauncherTest.write(dir, "http.yaml", data.get("http.yaml"));
        Path script = LauncherTest.write(dir, "app.py", data.get("app.py"));
        LauncherTest.Run r = LauncherTest.run("--config", yaml.toString(), "--script", script.toString(), "--check");
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("ok, 2 route(s)"), r.out());

        HttpConfig image = ConfigLoader.load(DEPLOY.resolve("app/http.yaml"));
        assertEquals("0.0.0.0:8080", image.servers().get(0).listen());
        assertEquals("0.0.0.0:9090", image.admin().listen());
        HttpConfig k8s = ConfigLoader.load(yaml);
        assertEquals(image.admin().listen(), k8s.admin().listen(), "the image and the ConfigMap use one admin port");
    }

    /** docs/deployment.md shows the unit deploy/siphon-http.service ships, line for line. */
    @Test
    void documentedUnitIsTheShippedOne() throws Exception {
        String docs = Files.readString(ROOT.resolve("docs/deployment.md"), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("## Running under systemd.*?```ini\\n(.*?)```", Pattern.DOTALL).matcher(docs);
        assertTrue(m.find(), "no ini block under 'Running under systemd'");
        String unit = Files.readString(DEPLOY.resolve("siphon-http.service"), StandardCharsets.UTF_8);
        String body = unit.substring(unit.indexOf("[Unit]"));
        assertEquals(body, m.group(1));
    }

    /**
     * deploy/test/validate-k8s.mjs passes the manifests (the Kubernetes API's schemas, unknown
     * fields, the grace period against the ConfigMap's shutdown settings) and fails a broken copy.
     */
    @Test
    void manifestsPassTheKubernetesSchemasAndABrokenCopyDoesNot(@TempDir Path dir) throws Exception {
        Path test = DEPLOY.resolve("test");
        run(test, "npm", "ci", "--no-audit", "--no-fund", "--silent");
        List<Path> manifests;
        try (var files = Files.list(DEPLOY.resolve("k8s"))) {
            manifests = files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertEquals(5, manifests.size(), manifests.toString());
        String good = run(test, node(manifests));
        assertTrue(good.endsWith("5 objects, 0 problems"), good);

        Path broken = dir.resolve("deployment.yaml");
        Files.writeString(broken, Files.readString(DEPLOY.resolve("k8s/deployment.yaml"))
                .replace("terminationGracePeriodSeconds: 30", "terminationGracePeriodSeconds: 20")
                .replace("readOnlyRootFilesystem", "readOnlyRootFileSystem"));
        Path configMap = DEPLOY.resolve("k8s/configmap.yaml");
        Process p = new ProcessBuilder(node(List.of(configMap, broken))).directory(test.toFile())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), out);
        assertTrue(out.contains("readOnlyRootFileSystem: no such field in V1SecurityContext"), out);
        assertTrue(out.contains("terminationGracePeriodSeconds 20 s < preStop"), out);
    }

    private static String[] node(List<Path> manifests) {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of("node", "validate-k8s.mjs"),
                manifests.stream().map(Path::toString)).toArray(String[]::new);
    }

    private static String run(Path dir, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), String.join(" ", cmd) + " did not end");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + out);
        return out;
    }
}
