package dev.pfs.core.fs;

import dev.pfs.core.meta.MetaStore;
import dev.pfs.core.meta.XattrTable;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * fsck's look at extended attributes: every chain complete, every chain owned by a live inode,
 * and no inode beyond the per-inode limit. A damaged or orphaned chain is removed on repair.
 */
final class XattrCheck {
    /** A problem and how to fix it, as {@link Fsck} collects them. */
    interface Sink {
        void add(String problem, Fsck.Fix fix);
    }

    private XattrCheck() {
    }

    static void check(MetaStore s, Sink out) {
        XattrTable x = s.xattrs();
        Set<Long> damaged = new HashSet<>();
        for (long head : x.damagedChains()) {
            damaged.add(head);
            out.add("xattr chain " + head + " of inode " + x.ownerOf(head) + " lacks parts ("
                    + x.chain(head).size() + " present)", fs -> fs.store.xattrs().remove(fs.txn(), head));
        }
        for (long ino : x.owners()) {
            List<Long> heads = List.copyOf(x.names(ino).values());
            if (s.inode(ino) == null) {
                out.add("inode " + ino + " is free but owns " + heads.size() + " extended attributes",
                        fs -> heads.forEach(h -> fs.store.xattrs().remove(fs.txn(), h)));
                continue;
            }
            if (x.slotsOf(ino) > XattrOps.MAX_SLOTS_PER_INODE) {
                out.add("inode " + ino + " holds " + x.slotsOf(ino) + " xattr slots, more than the limit of "
                        + XattrOps.MAX_SLOTS_PER_INODE, fs -> { });
            }
        }
    }
}
