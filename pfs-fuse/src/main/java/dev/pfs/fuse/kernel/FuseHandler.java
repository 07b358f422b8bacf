package dev.pfs.fuse.kernel;

/** What a file system served through a {@link FuseSession} implements. */
public interface FuseHandler {
    /**
     * Serves one request. Must send exactly one reply through {@code reply} unless
     * {@link FuseOpcode#noReply} is true for the opcode; an exception escaping from here is
     * answered EIO by the session (and logged).
     */
    void handle(FuseRequest request, FuseReply reply) throws Exception;
}
