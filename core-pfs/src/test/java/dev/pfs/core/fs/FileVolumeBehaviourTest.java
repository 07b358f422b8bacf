package dev.pfs.core.fs;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.FileVolume;
import dev.pfs.core.suite.PfsBehaviourSuite;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The behaviour suite over a file on the local disk (O_DIRECT where allowed). */
class FileVolumeBehaviourTest extends PfsBehaviourSuite {
    @TempDir
    Path dir;
    private int n;

    @Override
    protected BlockVolume newVolume(long size) throws Exception {
        return FileVolume.create(dir.resolve("vol" + (n++) + ".img"), size);
    }
}
