package dev.pfs.pswitch.client;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.core.suite.PfsBehaviourSuite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;

/** The file-system behaviour suite over a SwitchVolume, through a switch in this JVM over a volume file. */
class SwitchVolumeBehaviourTest extends PfsBehaviourSuite {
    /** Switches outlive each test's volume: the suite closes the volume after its fsck. */
    private static final List<SwitchFixture> SWITCHES = new ArrayList<>();
    private static final List<Path> DIRS = new ArrayList<>();

    @Override
    protected BlockVolume newVolume(long size) throws Exception {
        Path dir = Files.createTempDirectory("pfs-switch-suite");
        SwitchFixture sw = new SwitchFixture(dir).volume("v", size).start();
        SWITCHES.add(sw);
        DIRS.add(dir);
        return sw.connect("v");
    }

    @AfterAll
    static void stopSwitches() throws IOException {
        SWITCHES.forEach(SwitchFixture::close);
        SWITCHES.clear();
        for (Path dir : DIRS) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        DIRS.clear();
    }
}
