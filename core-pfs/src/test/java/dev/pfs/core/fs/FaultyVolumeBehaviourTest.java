package dev.pfs.core.fs;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.common.volume.FaultyVolume;
import dev.pfs.core.suite.PfsBehaviourSuite;

/** The behaviour suite over an in-memory volume (no faults armed). */
class FaultyVolumeBehaviourTest extends PfsBehaviourSuite {
    @Override
    protected BlockVolume newVolume(long size) {
        return FaultyVolume.create(size, 42);
    }
}
