package dev.pfs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Compares two host trees: the same names, kinds, bytes and symlink targets. */
final class TreeAssert {
    private TreeAssert() {
    }

    static void assertSameTree(Path expected, Path actual) throws IOException {
        Map<String, String> a = describe(expected);
        Map<String, String> b = describe(actual);
        assertThat(b).as("tree %s copied to %s", expected, actual).isEqualTo(a);
    }

    /** @return relative path -> "dir", "link:target" or "file:<size>:<hash of bytes>" */
    private static Map<String, String> describe(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String rel = root.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    out.put(rel, "link:" + Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.put(rel, "dir");
                } else {
                    byte[] bytes = Files.readAllBytes(p);
                    out.put(rel, "file:" + bytes.length + ":" + java.util.Arrays.hashCode(bytes));
                }
            }
        }
        return out;
    }
}
