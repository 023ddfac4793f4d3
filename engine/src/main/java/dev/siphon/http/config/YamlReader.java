package dev.siphon.http.config;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * The generic half of reading http.yaml: composes YAML text into snakeyaml's node tree (never into
 * objects, so every value keeps its line and no tag can instantiate a class), walks mappings
 * (merge keys, duplicate and unknown keys), expands {@code ${VAR}} from the environment, types
 * plain scalars, reads the integers and booleans a {@link Section} declares, and builds every
 * {@link ConfigException} with the file, the key path and the line. It knows no http.yaml key:
 * {@link ConfigLoader} holds the schema. One instance per file read; runs on the loading thread.
 *
 * <p>Typing is this reader's own, close to YAML 1.2's core schema (so {@code yes}, {@code on} are
 * strings, not booleans), decided after environment expansion for plain (unquoted) scalars;
 * quoted scalars are always strings. Merge keys ({@code <<: *anchor}) work as in YAML 1.1.
 */
final class YamlReader {

    /** Largest configuration accepted: bytes of the file, code points of parsed text. */
    static final int MAX_SIZE = 4 * 1024 * 1024;
    /** Aliases to lists or mappings in one file: enough to share blocks, too few for an alias bomb. */
    static final int MAX_COLLECTION_ALIASES = 32;
    static final int MAX_NESTING = 32;

    private static final Pattern NULL = Pattern.compile("|~|null|Null|NULL");
    private static final Pattern BOOL = Pattern.compile("true|True|TRUE|false|False|FALSE");
    private static final Pattern DECIMAL = Pattern.compile("[-+]?(0|[1-9][0-9_]*)");
    // At least one digit: "0x_" is text, not an integer with no digits.
    private static final Pattern HEX = Pattern.compile("0x_*[0-9a-fA-F][0-9a-fA-F_]*");
    private static final Pattern OCTAL = Pattern.compile("0o_*[0-7][0-7_]*");
    /** YAML 1.1 read these as octal, YAML 1.2 as decimal; a configuration must not depend on which. */
    private static final Pattern LEADING_ZERO = Pattern.compile("[-+]?0[0-9_]+");
    private static final Pattern FLOAT = Pattern.compile(
            "[-+]?(\\.[0-9]+|[0-9][0-9_]*(\\.[0-9_]*)?)([eE][-+]?[0-9]+)?|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)");
    private static final Pattern SIMPLE_NAME = Pattern.compile("[A-Za-z0-9_-]+");

    private enum Kind { NULL, BOOL, INT, FLOAT, STRING }

    /**
     * Environment values shorter than this are not looked for in error messages (where "1" or "on" would
     * mangle the text); the sites that print a scalar show its expansion only as {@code ${NAME}} anyway.
     */
    private static final int MIN_REDACTED_LENGTH = 4;

    /** A key of a mapping with its value; after merges, the value may come from another mapping. */
    record Entry(ScalarNode key, Node value) {
    }

    private final String file;
    private final Path baseDir;
    private final Function<String, String> env;
    private final Resolver resolver = new Resolver();
    /**
     * Each environment variable read so far, by value: an error message shows {@code ${NAME}} where the
     * value would appear, since the environment is where secrets live.
     */
    private final Map<String, String> expandedValues = new LinkedHashMap<>();

    YamlReader(String file, Path baseDir, Function<String, String> env) {
        this.file = file;
        this.baseDir = baseDir;
        this.env = name -> {
            String value = env.apply(name);
            if (value != null && value.length() >= MIN_REDACTED_LENGTH) {
                expandedValues.putIfAbsent(value, name);
            }
            return value;
        };
    }

    /** The text of {@code file}, checked for size and UTF-8; errors name it as {@code name}. */
    static String readFile(Path file, String name) throws ConfigException {
        byte[] bytes;
        try {
            if (Files.isDirectory(file)) {
                throw new ConfigException(name, -1, "", "is a directory; expected an http.yaml file");
            }
            long size = Files.size(file);
            if (size > MAX_SIZE) {
                throw new ConfigException(name, -1, "", "is " + size + " bytes; a configuration file may be at most "
                        + MAX_SIZE + " bytes");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(name, -1, "", "file not found (looked for " + file.toAbsolutePath() + ")", e);
        } catch (AccessDeniedException e) {
            throw new ConfigException(name, -1, "", "cannot be read: permission denied", e);
        } catch (IOException e) {
            throw new ConfigException(name, -1, "", "cannot be read: " + e, e);
        }
        return decodeUtf8(name, bytes);
    }

    /** The node tree of {@code yaml}, or {@code null} for an empty document. */
    static Node compose(String yaml, String sourceName) throws ConfigException {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setAllowRecursiveKeys(false);
        options.setMaxAliasesForCollections(MAX_COLLECTION_ALIASES);
        options.setNestingDepthLimit(MAX_NESTING);
        options.setCodePointLimit(MAX_SIZE);
        DumperOptions dumper = new DumperOptions();
        Yaml yamlParser = new Yaml(new SafeConstructor(options), new Representer(dumper), dumper, options);
        String text = yaml.startsWith("\uFEFF") ? yaml.substring(1) : yaml;
        Node root;
        try {
            root = yamlParser.compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String what = e.getContext() != null ? e.getContext() + ": " + e.getProblem() : e.getProblem();
            throw new ConfigException(sourceName, mark == null ? -1 : mark.getLine() + 1, "",
                    "invalid YAML: " + what, e);
        } catch (YAMLException e) {
            throw new ConfigException(sourceName, -1, "", "invalid YAML: " + e.getMessage(), e);
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            // snakeyaml's scanner lets a few malformed inputs escape as these (in a double-quoted
            // scalar, a 4-hex-digit escape cut short by the end of the file: NumberFormatException).
            throw new ConfigException(sourceName, -1, "", "invalid YAML: " + e.getMessage(), e);
        }
        return root;
    }

    private static String decodeUtf8(String name, byte[] bytes) throws ConfigException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder();
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            int line = 1;
            for (int i = 0; i < in.position(); i++) {
                if (bytes[i] == '\n') {
                    line++;
                }
            }
            throw new ConfigException(name, line, "", "is not valid UTF-8 (bad byte at offset " + in.position() + ")");
        }
        return out.flip().toString();
    }

    // ---- declared sections -------------------------------------------------------------------

    /** Reads a key the loader reads with code of its own, into {@code values}. */
    @FunctionalInterface
    interface ShapedReader {
        void read(Setting setting, Entry entry, Map<String, Object> values) throws ConfigException;
    }

    /**
     * Reads the keys {@code section} declares from mapping {@code f}, in declaration order, into
     * the record components they fill: integers checked against their bounds, booleans, and the
     * declared default for a key that is absent or null. A shaped key goes to {@code shaped}.
     */
    Map<String, Object> read(Section section, Map<String, Entry> f, String path, ShapedReader shaped)
            throws ConfigException {
        Map<String, Object> values = new LinkedHashMap<>();
        for (Setting s : section.settings()) {
            Entry e = f.get(s.key());
            String at = path + "." + s.key();
            switch (s.kind()) {
                case INTEGER -> values.put(s.field(), integer(e, at, s.min(), s.max(), s.defaultLong()));
                case BOOLEAN -> values.put(s.field(), bool(e, at, s.defaultBoolean()));
                case SHAPED -> shaped.read(s, e, values);
            }
        }
        return values;
    }

    // ---- typed values ----------------------------------------------------------------------

    /** Absent, or written as null ({@code key:}, {@code ~}, {@code null}): the key takes its default. */
    static boolean isNull(Entry e) {
        return e == null || isNull(e.value());
    }

    /** No document, or a document that is only null. */
    static boolean isNull(Node n) {
        return n == null || (n instanceof ScalarNode s && s.isPlain() && kind(s.getValue()) == Kind.NULL);
    }

    String string(Node value, String path, String expected) throws ConfigException {
        ScalarNode s = scalar(value, path, expected);
        if (s.isPlain()) {
            Kind k = kind(s.getValue()); // typed as written: "${PORT}" is text whatever PORT holds
            if (k != Kind.STRING) {
                throw error(s, path, expected + ", found " + describe(k, s.getValue())
                        + (k == Kind.NULL ? "" : " (put it in quotes to use it as text)"));
            }
        }
        return expand(s, path);
    }

    long integer(Entry e, String path, long min, long max, long fallback) throws ConfigException {
        if (isNull(e)) {
            return fallback;
        }
        String expected = "expected an integer from " + min + " to " + max; // every setting has both bounds (Bounds)
        ScalarNode s = scalar(e.value(), path, expected);
        if (!s.isPlain()) {
            throw error(s, path, expected + ", found the string " + Texts.quote(s.getValue()) + " (write numbers without quotes)");
        }
        String text = expand(s, path);
        boolean expanded = !text.equals(s.getValue());
        Kind k = kind(text);
        if (k == Kind.INT) {
            BigInteger v = integerValue(text);
            boolean low = v.compareTo(BigInteger.valueOf(min)) < 0;
            if (low || v.compareTo(BigInteger.valueOf(max)) > 0) {
                throw error(s, path, expected + ", found " + (expanded ? (low ? "a smaller integer" : "a larger integer")
                        + fromEnvironment(s) : text));
            }
            return v.longValueExact();
        }
        if (LEADING_ZERO.matcher(text).matches()) {
            throw error(s, path, expected + ", found " + (expanded ? "a number with a leading zero" + fromEnvironment(s) : text)
                    + "; a leading zero is ambiguous (octal in YAML 1.1), write the number without it");
        }
        throw error(s, path, expected + ", found " + (expanded ? kindOf(k) + fromEnvironment(s) : describe(k, text)));
    }

    boolean bool(Entry e, String path, boolean fallback) throws ConfigException {
        if (isNull(e)) {
            return fallback;
        }
        String expected = "expected true or false";
        ScalarNode s = scalar(e.value(), path, expected);
        if (!s.isPlain()) {
            throw error(s, path, expected + ", found the string " + Texts.quote(s.getValue()));
        }
        String text = expand(s, path);
        if (kind(text) != Kind.BOOL) {
            throw error(s, path, expected + ", found " + (text.equals(s.getValue()) ? describe(kind(text), text)
                    : kindOf(kind(text)) + fromEnvironment(s)));
        }
        return text.equalsIgnoreCase("true");
    }

    /** A file path, resolved against the configuration's directory; {@code null} when absent. */
    Path path(Entry e, String path) throws ConfigException {
        if (isNull(e)) {
            return null;
        }
        String text = string(e.value(), path, "expected a file path");
        if (text.isEmpty()) {
            throw error(e.value(), path, "expected a file path, found an empty string");
        }
        try {
            return baseDir.resolve(Path.of(text)).normalize();
        } catch (InvalidPathException x) {
            throw error(e.value(), path, "expected a file path, found " + shown(e.value(), text) + " (" + x.getReason() + ")");
        }
    }

    private String expand(ScalarNode s, String path) throws ConfigException {
        try {
            return EnvExpander.expand(s.getValue(), env);
        } catch (EnvExpander.Failure f) {
            throw error(s, path, f.getMessage());
        }
    }

    private static Kind kind(String text) {
        if (NULL.matcher(text).matches()) {
            return Kind.NULL;
        }
        if (BOOL.matcher(text).matches()) {
            return Kind.BOOL;
        }
        if (DECIMAL.matcher(text).matches() || HEX.matcher(text).matches() || OCTAL.matcher(text).matches()) {
            return Kind.INT;
        }
        if (FLOAT.matcher(text).matches()) {
            return Kind.FLOAT;
        }
        return Kind.STRING;
    }

    private static BigInteger integerValue(String text) {
        String t = text.replace("_", "");
        if (t.startsWith("0x")) {
            return new BigInteger(t.substring(2), 16);
        }
        if (t.startsWith("0o")) {
            return new BigInteger(t.substring(2), 8);
        }
        return new BigInteger(t.startsWith("+") ? t.substring(1) : t);
    }

    // ---- structure -------------------------------------------------------------------------

    ScalarNode scalar(Node value, String path, String expected) throws ConfigException {
        if (!(value instanceof ScalarNode s)) {
            throw error(value, path, expected + ", found " + shape(value));
        }
        checkTag(s, path);
        return s;
    }

    SequenceNode list(Node value, String path, String expected) throws ConfigException {
        if (!(value instanceof SequenceNode s)) {
            throw error(value, path, expected + ", found " + shape(value));
        }
        checkTag(s, path);
        return s;
    }

    Node requireMapping(Node value, String path, String expected) throws ConfigException {
        if (!(value instanceof MappingNode)) {
            throw error(value, path, expected + ", found " + shape(value));
        }
        return value;
    }

    /**
     * The keys of a mapping, merges applied. {@code allowed} null means any key (a map of names).
     * Keys written in the mapping win over merged ones; among merged mappings the first wins.
     */
    Map<String, Entry> mapping(Node node, String path, List<String> allowed) throws ConfigException {
        Map<String, Entry> out = new LinkedHashMap<>();
        collect((MappingNode) node, path, allowed, out, Collections.newSetFromMap(new IdentityHashMap<>()));
        return out;
    }

    private void collect(MappingNode m, String path, List<String> allowed, Map<String, Entry> out, Set<Node> open)
            throws ConfigException {
        checkTag(m, path);
        open.add(m);
        Map<String, ScalarNode> seen = new HashMap<>();
        List<NodeTuple> merges = new ArrayList<>();
        for (NodeTuple t : m.getValue()) {
            Node k = t.getKeyNode();
            if (k instanceof ScalarNode ks && ks.isPlain() && ks.getValue().equals("<<")) {
                merges.add(t);
                continue;
            }
            if (!(k instanceof ScalarNode ks)) {
                throw error(k, path, "expected a key name, found " + shape(k) + " used as a key");
            }
            checkTag(ks, path);
            String name = ks.getValue();
            String keyPath = child(path, name, allowed == null);
            ScalarNode first = seen.putIfAbsent(name, ks);
            if (first != null) {
                throw error(ks, keyPath, "duplicate key; it is already set at line " + lineOf(first));
            }
            if (allowed != null && !allowed.contains(name)) {
                throw error(ks, keyPath, "unknown key; expected one of " + String.join(", ", allowed));
            }
            out.putIfAbsent(name, new Entry(ks, t.getValueNode()));
        }
        for (NodeTuple merge : merges) {
            Node merged = merge.getValueNode();
            List<Node> sources = merged instanceof SequenceNode seq ? seq.getValue() : List.of(merged);
            for (Node source : sources) {
                if (!(source instanceof MappingNode sm)) {
                    throw error(source, path, "a merge (<<) takes a mapping or a list of mappings, like \"<<: *defaults\";"
                            + " found " + shape(source));
                }
                if (open.contains(sm)) {
                    throw error(merge.getKeyNode(), path, "a merge (<<) refers back to a mapping that contains it");
                }
                collect(sm, path, allowed, out, open);
            }
        }
        open.remove(m);
    }

    /** Rejects explicit tags ({@code !!int "5"}, {@code !foo}): only the file's own typing applies. */
    private void checkTag(Node n, String path) throws ConfigException {
        Tag implicit = switch (n) {
            case MappingNode m -> Tag.MAP;
            case SequenceNode s -> Tag.SEQ;
            case ScalarNode s -> s.isPlain() ? resolver.resolve(NodeId.scalar, s.getValue(), true) : Tag.STR;
            default -> n.getTag();
        };
        if (!n.getTag().equals(implicit)) {
            String tag = n.getTag().getValue();
            tag = tag.startsWith(Tag.PREFIX) ? "!!" + tag.substring(Tag.PREFIX.length()) : tag;
            throw error(n, path, "YAML tags are not supported, found " + tag + " (quote a value to make it a string)");
        }
    }

    <T> T build(Node at, String path, Supplier<T> make) throws ConfigException {
        try {
            return make.get();
        } catch (IllegalArgumentException x) {
            throw error(at, path, x.getMessage());
        }
    }

    static String child(String path, String key, boolean isName) {
        if (isName && !SIMPLE_NAME.matcher(key).matches()) {
            return path + "[" + Texts.quote(key) + "]";
        }
        return path.isEmpty() ? key : path + "." + key;
    }

    static String shape(Node n) {
        return switch (n) {
            case MappingNode m -> "a mapping";
            case SequenceNode s -> "a list";
            case ScalarNode s -> s.isPlain() ? describe(kind(s.getValue()), s.getValue())
                    : "the string " + Texts.quote(s.getValue());
            default -> "an alias";
        };
    }

    private static String describe(Kind k, String text) {
        return switch (k) {
            case NULL -> "nothing (an empty value)";
            case BOOL -> "the boolean " + text;
            case INT -> "the integer " + text;
            case FLOAT -> "the number " + text;
            case STRING -> "the string " + Texts.quote(text);
        };
    }

    /** How an error names a kind of value it does not show. */
    private static String kindOf(Kind k) {
        return switch (k) {
            case NULL -> "nothing (an empty value)";
            case BOOL -> "a boolean";
            case INT -> "an integer";
            case FLOAT -> "a number";
            case STRING -> "text";
        };
    }

    /** Where a value that is not shown came from. */
    private static String fromEnvironment(ScalarNode s) {
        return " (from " + Texts.quote(s.getValue()) + "; values from the environment are not shown)";
    }

    /** {@code text}, the expansion of scalar {@code n}, as an error may show it: never the environment's part. */
    static String shown(Node n, String text) {
        return n instanceof ScalarNode s && !text.equals(s.getValue())
                ? "the expansion of " + Texts.quote(s.getValue()) + " (values from the environment are not shown)"
                : Texts.quote(text);
    }

    ConfigException missing(Node parent, Entry e, String path, String why) {
        return e == null ? error(parent, path, "required key is missing; " + why)
                : error(e.key(), path, "required key is empty; " + why);
    }

    ConfigException error(Node at, String path, String detail) {
        for (Map.Entry<String, String> v : expandedValues.entrySet()) { // e.g. a base_url in a record's message
            detail = Pattern.compile("(?<![A-Za-z0-9])" + Pattern.quote(v.getKey()) + "(?![A-Za-z0-9])").matcher(detail)
                    .replaceAll(Matcher.quoteReplacement("${" + v.getValue() + "}"));
        }
        return new ConfigException(file, lineOf(at), path, detail);
    }

    /** 1-based line where {@code n} starts, or -1. */
    static int lineOf(Node n) {
        return n == null || n.getStartMark() == null ? -1 : n.getStartMark().getLine() + 1;
    }
}

