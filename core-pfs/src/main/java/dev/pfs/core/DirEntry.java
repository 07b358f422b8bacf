package dev.pfs.core;

/**
 * One entry of a directory listing.
 *
 * @param name the name within its directory
 * @param ino  the inode it names
 * @param type what the inode is
 */
public record DirEntry(String name, long ino, FileType type) {
}
