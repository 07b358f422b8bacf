package dev.pfs.cli.bench;

import java.io.IOException;
import java.nio.ByteBuffer;

/** A file the benchmark writes to: a plain file on the host, or a file inside libpfs. */
interface WriteTarget extends AutoCloseable {
    /** @return a short name for the table */
    String name();

    /** @return how it is opened, for the report ("O_DIRECT", ...) */
    String mode();

    /** Opens (creating) the file {@code name} for writing; later calls write to it. */
    void open(String name) throws IOException;

    /** Writes all of {@code buf} at {@code offset} of the open file. */
    void pwrite(ByteBuffer buf, long offset) throws IOException;

    /** fdatasync(2) of the open file. */
    void fdatasync() throws IOException;

    /** Closes the open file. */
    void closeFile() throws IOException;

    @Override
    void close() throws IOException;
}
