package dev.pfs.pswitch.ring;

import java.io.IOException;

/** A channel that cannot be used: a header that is not a switch channel's, or one that lies. */
public final class ChannelException extends IOException {
    private static final long serialVersionUID = 1L;

    /** @param message what is wrong, naming the field and its value */
    public ChannelException(String message) {
        super(message);
    }
}
