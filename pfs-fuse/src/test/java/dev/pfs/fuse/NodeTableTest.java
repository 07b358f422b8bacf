package dev.pfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pfs.core.Errno;
import dev.pfs.core.FileType;
import dev.pfs.core.PfsException;
import org.junit.jupiter.api.Test;

class NodeTableTest {
    private final NodeTable nodes = new NodeTable(3);

    @Test
    void countsEveryLookupAndGivesThePinBackOnlyAtTheLastForget() {
        assertThat(nodes.remember(5, FileType.REGULAR, 1, "a", 10)).as("the first pin is taken").isEqualTo(-1);
        assertThat(nodes.remember(5, FileType.REGULAR, 1, "b", 11)).as("a second pin is returned").isEqualTo(11);
        assertThat(nodes.lookups(5)).isEqualTo(2);
        assertThat(nodes.forget(5, 1)).isEqualTo(-1);
        assertThat(nodes.forget(5, 1)).as("the last forget frees the pin").isEqualTo(10);
        assertThat(nodes.find(5)).isNull();
        assertThat(nodes.size()).isEqualTo(1);
    }

    @Test
    void theRootIsNeverForgotten() {
        assertThat(nodes.forget(NodeTable.ROOT, 100)).isEqualTo(-1);
        assertThat(nodes.find(NodeTable.ROOT)).isNotNull();
    }

    @Test
    void pathsFollowRenamesOfDirectoriesAndExchanges() throws PfsException {
        nodes.remember(2, FileType.DIRECTORY, 1, "d", 20);
        nodes.remember(3, FileType.DIRECTORY, 2, "e", 30);
        assertThat(nodes.path(3)).isEqualTo("/d/e");
        nodes.renamed(1, "d", 1, "x");
        assertThat(nodes.path(3)).isEqualTo("/x/e");
        assertThat(nodes.childPath(3, "f")).isEqualTo("/x/e/f");
        nodes.remember(4, FileType.DIRECTORY, 1, "y", 40);
        nodes.exchanged(1, "x", 1, "y");
        assertThat(nodes.path(2)).isEqualTo("/y");
        assertThat(nodes.path(4)).isEqualTo("/x");
    }

    @Test
    void aRemovedNameLeavesTheNodeWithoutAPath() {
        nodes.remember(2, FileType.DIRECTORY, 1, "d", 20);
        nodes.removed(1, "d");
        assertThatThrownBy(() -> nodes.path(2)).isInstanceOf(PfsException.class)
                .extracting(e -> ((PfsException) e).errno()).isEqualTo(Errno.ESTALE);
        assertThatThrownBy(() -> nodes.node(99)).extracting(e -> ((PfsException) e).errno()).isEqualTo(Errno.ESTALE);
    }

    @Test
    void aRenameOverAKnownNameUnnamesTheReplacedNode() throws PfsException {
        nodes.remember(2, FileType.SYMLINK, 1, "old", -1);
        nodes.remember(3, FileType.SYMLINK, 1, "new", -1);
        nodes.renamed(1, "new", 1, "old");
        assertThat(nodes.path(3)).isEqualTo("/old");
        assertThatThrownBy(() -> nodes.path(2)).isInstanceOf(PfsException.class);
    }
}
