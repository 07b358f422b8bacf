package dev.pfs.pswitch.server;

import dev.pfs.common.volume.BlockVolume;
import dev.pfs.nativeio.UnixSocket;

/**
 * A volume the switch serves: its name, the backend requests go to, and the uid that owns it.
 * Its owner and root may attach to it; nobody else.
 */
public record VolumeExport(String name, BlockVolume volume, int ownerUid) {
    /** @return whether a peer with these credentials may attach */
    public boolean allows(UnixSocket.PeerCredentials peer) {
        return peer.uid() == 0 || peer.uid() == ownerUid;
    }
}
