package dev.pfs.cli.files;

import dev.pfs.cli.BaseCommand;
import dev.pfs.cli.CliException;
import dev.pfs.cli.Failures;
import dev.pfs.cli.volume.HostIdMixin;
import dev.pfs.cli.volume.Location;
import dev.pfs.core.Errno;
import dev.pfs.core.Pfs;
import dev.pfs.core.PfsException;
import dev.pfs.core.PfsStat;
import picocli.CommandLine.Mixin;

/**
 * The file tools that work on an unmounted volume: they mount it themselves (RW to change it,
 * RO to read it) as {@code --host-id} and unmount when done.
 */
abstract class VolumeFileCommand extends BaseCommand {
    @Mixin
    private HostIdMixin host;

    /** @return the paxos host slot to mount as */
    protected int hostId() {
        return host.hostId();
    }

    /** A libpfs call that may fail. */
    @FunctionalInterface
    interface PfsCall<T> {
        T call() throws PfsException;
    }

    /** A libpfs call without a result. */
    @FunctionalInterface
    interface PfsAction {
        void run() throws PfsException;
    }

    /** Runs {@code call}, reporting a failure as "{@code where}: ERRNO: reason". */
    static <T> T at(Location where, PfsCall<T> call) throws CliException {
        try {
            return call.call();
        } catch (PfsException e) {
            throw Failures.at(where.display(), e);
        }
    }

    /** Runs {@code action}, reporting a failure as "{@code where}: ERRNO: reason". */
    static void doAt(Location where, PfsAction action) throws CliException {
        try {
            action.run();
        } catch (PfsException e) {
            throw Failures.at(where.display(), e);
        }
    }

    /** @return lstat of {@code path}, or null when it does not exist */
    static PfsStat lstatOrNull(Pfs pfs, Location.InVolume where) throws CliException {
        try {
            return pfs.lstat(where.path());
        } catch (PfsException e) {
            if (e.errno() == Errno.ENOENT) {
                return null;
            }
            throw Failures.at(where.display(), e);
        }
    }
}
