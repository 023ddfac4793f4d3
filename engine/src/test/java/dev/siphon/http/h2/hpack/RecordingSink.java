package dev.siphon.http.h2.hpack;

import java.util.ArrayList;
import java.util.List;

/** Collects decoded fields as "name: value" lines, with a "(sensitive)" mark for never-indexed. */
final class RecordingSink implements HpackDecoder.Sink {

    final List<String> names = new ArrayList<>();
    final List<String> values = new ArrayList<>();
    final List<Boolean> sensitive = new ArrayList<>();

    @Override
    public void header(String name, String value, boolean isSensitive) {
        names.add(name);
        values.add(value);
        sensitive.add(isSensitive);
    }

    int size() {
        return names.size();
    }

    List<String> lines() {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            lines.add(names.get(i) + ": " + values.get(i));
        }
        return lines;
    }

    void clear() {
        names.clear();
        values.clear();
        sensitive.clear();
    }
}
