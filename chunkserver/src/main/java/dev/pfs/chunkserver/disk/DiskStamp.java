package dev.pfs.chunkserver.disk;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The identity of one chunkserver disk: see {@link DiskStampDescriptor}.
 *
 * @param clusterId the cluster the disk belongs to
 * @param serverId  the chunkserver that owns it
 * @param diskId    unique per format
 */
public record DiskStamp(String clusterId, long serverId, UUID diskId) {
    /** Checks the cluster id fits the stamp. */
    public DiskStamp {
        if (clusterId.isEmpty() || clusterId.getBytes(StandardCharsets.UTF_8).length > DiskStampDescriptor.CLUSTER_ID_MAX) {
            throw new IllegalArgumentException("cluster id must be 1.." + DiskStampDescriptor.CLUSTER_ID_MAX
                    + " bytes of UTF-8, got '" + clusterId + "'");
        }
    }

    /** @return the stamp's bytes */
    public ByteBuffer encode() {
        ByteBuffer b = ByteBuffer.allocate(DiskStampDescriptor.LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        byte[] cluster = clusterId.getBytes(StandardCharsets.UTF_8);
        b.putInt(DiskStampDescriptor.MAGIC_OFFSET, DiskStampDescriptor.MAGIC);
        b.putShort(DiskStampDescriptor.VERSION_OFFSET, DiskStampDescriptor.FORMAT_VERSION);
        b.putShort(DiskStampDescriptor.CLUSTER_ID_LENGTH_OFFSET, (short) cluster.length);
        b.putLong(DiskStampDescriptor.SERVER_ID_OFFSET, serverId);
        b.putLong(DiskStampDescriptor.DISK_ID_OFFSET, diskId.getMostSignificantBits());
        b.putLong(DiskStampDescriptor.DISK_ID_OFFSET + 8, diskId.getLeastSignificantBits());
        b.put(DiskStampDescriptor.CLUSTER_ID_OFFSET, cluster);
        b.putInt(DiskStampDescriptor.CRC_OFFSET, DiskStampDescriptor.computeCrc(b));
        return b;
    }

    /**
     * @return the stamp in {@code bytes}
     * @throws IllegalArgumentException with the reason if it is not a valid stamp
     */
    public static DiskStamp decode(ByteBuffer bytes) {
        String bad = DiskStampDescriptor.check(bytes);
        if (bad != null) {
            throw new IllegalArgumentException(bad);
        }
        ByteBuffer b = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        byte[] cluster = new byte[b.getShort(DiskStampDescriptor.CLUSTER_ID_LENGTH_OFFSET)];
        b.get(DiskStampDescriptor.CLUSTER_ID_OFFSET, cluster);
        return new DiskStamp(new String(cluster, StandardCharsets.UTF_8),
                b.getLong(DiskStampDescriptor.SERVER_ID_OFFSET),
                new UUID(b.getLong(DiskStampDescriptor.DISK_ID_OFFSET), b.getLong(DiskStampDescriptor.DISK_ID_OFFSET + 8)));
    }
}
