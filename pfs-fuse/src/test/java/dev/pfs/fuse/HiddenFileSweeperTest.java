package dev.pfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pfs.core.DirEntry;
import dev.pfs.core.OpenFlags;
import org.junit.jupiter.api.Test;

class HiddenFileSweeperTest {
    @Test
    void removesOnlyLibfuseHiddenFilesAtAnyDepth() throws Exception {
        MemoryPfs pfs = new MemoryPfs();
        pfs.mkdir("/a", 0755);
        pfs.mkdir("/a/b", 0755);
        for (String f : new String[] {"/.fuse_hidden0001", "/a/b/.fuse_hidden00ab0002", "/a/keep", "/fuse_hidden"}) {
            pfs.close(pfs.open(f, OpenFlags.O_CREAT | OpenFlags.O_WRONLY, 0644));
        }
        assertThat(HiddenFileSweeper.sweep(pfs)).isEqualTo(2);
        assertThat(pfs.readdir("/").stream().map(DirEntry::name)).containsExactly("a", "fuse_hidden");
        assertThat(pfs.readdir("/a/b")).isEmpty();
        assertThat(pfs.readdir("/a").stream().map(DirEntry::name)).containsExactly("b", "keep");
        assertThat(HiddenFileSweeper.sweep(pfs)).isZero();
    }
}
