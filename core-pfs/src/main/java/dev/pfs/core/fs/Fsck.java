package dev.pfs.core.fs;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.core.FileType;
import dev.pfs.core.FsckReport;
import dev.pfs.core.MountOptions;
import dev.pfs.core.PfsException;
import dev.pfs.core.meta.Dirent;
import dev.pfs.core.meta.Inode;
import dev.pfs.core.meta.MetaStore;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * fsck: every metaobject and journal record checksum, the tree shape (every inode reachable
 * from the root exactly as its links say, directories named once, no cycles), link counts,
 * and blocks (each tag owned by a live file at most once per file block, no written block
 * past the end of a file, the in-use tag set equal to the set reachable from live files), and
 * extended attributes ({@link XattrCheck}).
 * With repair it mounts the volume RW (winning the lease) and fixes what it found.
 */
final class Fsck {
    /** Applies the fix for one problem, inside the repair mount's open transaction. */
    interface Fix {
        void apply(FsState fs) throws PfsException;
    }

    private record Finding(String problem, Fix fix) {
    }

    private Fsck() {
    }

    static FsckReport run(BlockVolume volume, boolean repair) throws PfsException {
        List<String> problems = new ArrayList<>();
        VolumeLoader.Loaded l = VolumeLoader.load(volume, problems::add);
        List<Finding> findings = analyse(l.store());
        findings.forEach(f -> problems.add(f.problem()));
        List<String> repaired = new ArrayList<>();
        if (repair && !problems.isEmpty()) {
            repaired.addAll(repair(volume));
        }
        long files = l.store().inodes().values().stream().filter(i -> !i.isDir()).count();
        long dirs = l.store().inodes().values().stream().filter(Inode::isDir).count();
        return new FsckReport(List.copyOf(problems), List.copyOf(repaired), files, dirs, l.store().usedBlocks());
    }

    private static List<String> repair(BlockVolume volume) throws PfsException {
        List<String> repaired = new ArrayList<>();
        MountOptions o = MountOptions.readWrite(0);
        PfsMount m = FileSystems.mountReadWrite(volume, VolumeLoader.readSuperblock(volume), o,
                FileSystems.MountHooks.DEFAULT, p -> repaired.add("dropped: " + p));
        try {
            FsState fs = m.state();
            synchronized (fs) {
                for (int pass = 0; pass < 3; pass++) {
                    List<Finding> left = analyse(fs.store);
                    if (left.isEmpty()) {
                        break;
                    }
                    for (Finding f : left) {
                        f.fix().apply(fs);
                        fs.commit();
                        repaired.add("fixed: " + f.problem());
                    }
                }
            }
            fs.awaitRequested();
        } finally {
            m.close();
        }
        return repaired;
    }

    static List<Finding> analyse(MetaStore s) {
        List<Finding> out = new ArrayList<>();
        Inode root = s.inode(1);
        if (root == null || !root.isDir()) {
            out.add(new Finding("the root inode 1 is missing or not a directory", fs -> {
                throw new PfsException(dev.pfs.core.Errno.EIO, "cannot rebuild a missing root directory");
            }));
            return out;
        }
        Map<Long, Integer> names = new HashMap<>();
        Map<Long, Integer> subdirs = new HashMap<>();
        for (Dirent d : s.dirents().values()) {
            Inode parent = s.inode(d.parent());
            Inode child = s.inode(d.child());
            if (parent == null || !parent.isDir() || child == null || d.child() == 1) {
                out.add(new Finding("direntry " + d.id() + " '" + d.name() + "' links " + d.parent() + " -> "
                        + d.child() + ", which do not exist as directory and inode",
                        fs -> fs.store.removeDirent(fs.txn(), d.id())));
                continue;
            }
            names.merge(d.child(), 1, Integer::sum);
            if (child.isDir()) {
                subdirs.merge(d.parent(), 1, Integer::sum);
            }
        }
        Set<Long> reachable = reachable(s, out);
        for (Inode i : s.inodes().values()) {
            if (!reachable.contains(i.ino)) {
                out.add(new Finding("inode " + i.ino + " is not reachable from the root (nlink " + i.nlink + ")",
                        fs -> release(fs, i)));
                continue;
            }
            int want = i.isDir() ? 2 + subdirs.getOrDefault(i.ino, 0) : names.getOrDefault(i.ino, 0);
            if (i.nlink != want) {
                out.add(new Finding("inode " + i.ino + " has nlink " + i.nlink + " but " + want + " links",
                        fs -> fs.txn().touchInode(i).nlink = want));
            }
            if (i.isDir() && i.ino != 1 && names.getOrDefault(i.ino, 0) != 1) {
                out.add(new Finding("directory " + i.ino + " has " + names.get(i.ino) + " names", fs -> {
                    throw new PfsException(dev.pfs.core.Errno.EIO, "cannot choose the name of directory " + i.ino);
                }));
            }
        }
        checkBlocks(s, out);
        XattrCheck.check(s, (problem, fix) -> out.add(new Finding(problem, fix)));
        return out;
    }

    private static void release(FsState fs, Inode i) throws PfsException {
        for (Long t : new ArrayList<>(fs.store.blocks(i.ino).values())) {
            fs.store.freeTag(fs.txn(), t);
        }
        for (Long d : new ArrayList<>(fs.store.entries(i.ino).values())) {
            fs.store.removeDirent(fs.txn(), d);
        }
        fs.store.freeInode(fs.txn(), i);
    }

    private static Set<Long> reachable(MetaStore s, List<Finding> out) {
        Set<Long> seen = new HashSet<>();
        Deque<Long> todo = new ArrayDeque<>();
        todo.add(1L);
        seen.add(1L);
        while (!todo.isEmpty()) {
            long dir = todo.poll();
            for (Long id : s.entries(dir).values()) {
                Dirent d = s.dirents().get(id);
                Inode c = s.inode(d.child());
                if (c == null) {
                    continue;
                }
                if (!seen.add(c.ino)) {
                    if (c.isDir()) {
                        out.add(new Finding("directory " + c.ino + " is reached twice (a cycle or a second name)",
                                fs -> fs.store.removeDirent(fs.txn(), d.id())));
                    }
                    continue;
                }
                if (c.isDir()) {
                    todo.add(c.ino);
                }
            }
        }
        return seen;
    }

    private static void checkBlocks(MetaStore s, List<Finding> out) {
        long bs = s.geometry().superblock().blockSize();
        Map<Long, Integer> perOwner = new HashMap<>();
        for (long t = 0; t < s.slots(dev.pfs.core.layout.MetaType.TAG); t++) {
            long owner = s.tagOwner(t);
            if (owner == 0) {
                continue;
            }
            long tag = t;
            Inode i = s.inode(owner);
            if (i == null || i.type() == FileType.DIRECTORY) {
                out.add(new Finding("block tag " + t + " is owned by " + owner + ", which is not a live file",
                        fs -> fs.store.freeTag(fs.txn(), tag)));
                continue;
            }
            if (!s.geometry().usableTag(t)) {
                out.add(new Finding("block tag " + t + " lies outside the file system", fs -> fs.store.freeTag(fs.txn(), tag)));
                continue;
            }
            if (s.tagOf(owner, s.tagIndex(t)) != t) {
                out.add(new Finding("block " + s.tagIndex(t) + " of inode " + owner + " is claimed by two tags",
                        fs -> fs.store.freeTag(fs.txn(), tag)));
                continue;
            }
            perOwner.merge(owner, 1, Integer::sum);
            if (s.tagIndex(t) >= (i.size + bs - 1) / bs && !s.unwritten(t)) {
                out.add(new Finding("inode " + owner + " has written block " + s.tagIndex(t) + " past its end ("
                        + i.size + " bytes)", fs -> fs.store.freeTag(fs.txn(), tag)));
            }
        }
        for (Inode i : s.inodes().values()) {
            if (s.blocks(i.ino).size() != perOwner.getOrDefault(i.ino, 0)) {
                out.add(new Finding("inode " + i.ino + " maps " + s.blocks(i.ino).size() + " blocks but owns "
                        + perOwner.getOrDefault(i.ino, 0), fs -> { }));
            }
        }
    }
}
