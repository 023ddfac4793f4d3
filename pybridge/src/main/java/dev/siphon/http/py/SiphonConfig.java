package dev.siphon.http.py;

import dev.siphon.http.config.CacheConfig;
import dev.siphon.http.config.ConfigException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * What siphon-http reads from a siphon host's {@code siphon.yaml}: {@code extensions.http} (the
 * http.yaml), {@code script.path} (the script) and the named caches of {@code cache:}
 * ({@link CacheConfig#load}, with the http.yaml reader's {@code ${VAR}} expansion and errors).
 * Relative paths are relative to the siphon.yaml's directory. Every other key belongs to the host
 * and is ignored. Read once, on the launcher's thread.
 */
public record SiphonConfig(Path httpYaml, Path script, List<CacheConfig> caches) {

    public static SiphonConfig load(Path file) throws ConfigException {
        String name = file.toString();
        Node root;
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).compose(in);
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? -1 : e.getProblemMark().getLine() + 1;
            throw new ConfigException(name, line, "", "not valid YAML: " + e.getProblem());
        } catch (YAMLException e) {
            throw new ConfigException(name, -1, "", "not valid YAML: " + e.getMessage());
        } catch (IOException e) {
            throw new ConfigException(name, -1, "", "cannot read the file: " + e);
        }
        if (!(root instanceof MappingNode)) {
            throw new ConfigException(name, root == null ? -1 : line(root), "",
                    "expected a mapping with extensions.http and script.path");
        }
        Path dir = file.toAbsolutePath().getParent();
        Path http = dir.resolve(path(name, (MappingNode) root, "extensions", "http"));
        Path script = dir.resolve(path(name, (MappingNode) root, "script", "path"));
        return new SiphonConfig(http.normalize(), script.normalize(), CacheConfig.load(file));
    }

    private static String path(String file, MappingNode root, String section, String key) throws ConfigException {
        Node s = get(root, section);
        if (s == null) {
            throw new ConfigException(file, -1, section + "." + key, "missing; siphon-http needs it");
        }
        if (!(s instanceof MappingNode m)) {
            throw new ConfigException(file, line(s), section, "expected a mapping");
        }
        Node v = get(m, key);
        if (v == null) {
            throw new ConfigException(file, line(s), section + "." + key, "missing; siphon-http needs it");
        }
        if (!(v instanceof ScalarNode sc) || sc.getValue().isBlank()) {
            throw new ConfigException(file, line(v), section + "." + key, "expected a file path");
        }
        return sc.getValue();
    }

    private static Node get(MappingNode m, String key) {
        for (NodeTuple t : m.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) {
                return t.getValueNode();
            }
        }
        return null;
    }

    private static int line(Node n) {
        return n.getStartMark() == null ? -1 : n.getStartMark().getLine() + 1;
    }
}
