package dev.pfs.core.meta;

/**
 * A used direntry slot.
 *
 * @param id     slot id
 * @param parent the directory's inode number
 * @param child  the named inode number
 * @param name   the name within the directory
 */
public record Dirent(long id, long parent, long child, String name) {
}
