package dev.pfs.core;

import java.util.List;

/**
 * What fsck found.
 *
 * @param problems one line per inconsistency, naming the object and what is wrong
 * @param repaired one line per repair made (empty without --repair)
 * @param files    regular files checked
 * @param dirs     directories checked
 * @param blocks   data blocks in use
 */
public record FsckReport(List<String> problems, List<String> repaired, long files, long dirs, long blocks) {
    /** @return whether no inconsistency was found */
    public boolean clean() {
        return problems.isEmpty();
    }
}
