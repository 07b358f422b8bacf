package dev.pfs.pswitch.attach;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The attach handshake over the switch's unix socket (SOCK_SEQPACKET: one packet each way),
 * little-endian.
 *
 * <pre>
 * request, client to switch:
 *   0 magic "PFSA" (i32)  4 version (u16)  6 name length (u16, 1..255)  8 volume name (UTF-8)
 * reply, switch to client (with the channel's memfd attached by SCM_RIGHTS when status is 0):
 *   0 magic "PFSA" (i32)  4 status (i32)  8 session id (i64)  16 message length (u16)  18 message (UTF-8)
 * </pre>
 * The socket stays open for the client's life: either side closing it ends the session.
 */
public final class AttachDescriptor {
    /** "PFSA" read as a little-endian int. */
    public static final int MAGIC = 0x41534650;
    /** The handshake version this code speaks. */
    public static final int VERSION = 1;
    /** The longest volume name, in UTF-8 bytes. */
    public static final int MAX_NAME_BYTES = 255;
    /** The largest packet either side sends. */
    public static final int MAX_PACKET = 1024;

    /** Attached: the channel's memfd came with the reply. */
    public static final int OK = 0;
    /** The request was not a handshake this switch speaks. */
    public static final int BAD_REQUEST = 1;
    /** The switch serves no volume of that name. */
    public static final int NO_SUCH_VOLUME = 2;
    /** The peer's uid may not use that volume. */
    public static final int PERMISSION_DENIED = 3;
    /** The switch could not make the channel (out of memory, shutting down). */
    public static final int UNAVAILABLE = 4;

    private static final int REPLY_HEADER = 18;

    private AttachDescriptor() {
    }

    /** A decoded reply. */
    public record Reply(int status, long sessionId, String message) {
    }

    /** @return the request packet naming {@code volume} */
    public static byte[] encodeRequest(String volume) {
        byte[] name = volume.getBytes(StandardCharsets.UTF_8);
        if (name.length == 0 || name.length > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("volume name '" + volume + "' must be 1.." + MAX_NAME_BYTES
                    + " bytes of UTF-8");
        }
        ByteBuffer b = ByteBuffer.allocate(8 + name.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putShort((short) VERSION).putShort((short) name.length).put(name);
        return b.array();
    }

    /**
     * @return the volume a request packet of {@code length} bytes names
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public static String decodeRequest(byte[] packet, int length) {
        ByteBuffer b = ByteBuffer.wrap(packet, 0, length).order(ByteOrder.LITTLE_ENDIAN);
        if (length < 8 || b.getInt() != MAGIC) {
            throw new IllegalArgumentException("not an attach request");
        }
        int version = Short.toUnsignedInt(b.getShort());
        if (version != VERSION) {
            throw new IllegalArgumentException("attach version " + version + ", this switch speaks " + VERSION);
        }
        int nameLength = Short.toUnsignedInt(b.getShort());
        if (nameLength == 0 || nameLength > MAX_NAME_BYTES || nameLength != length - 8) {
            throw new IllegalArgumentException("volume name length " + nameLength + " in a packet of " + length);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(b.slice(8, nameLength)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("volume name is not UTF-8");
        }
    }

    /** @return a reply packet */
    public static byte[] encodeReply(int status, long sessionId, String message) {
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        int n = Math.min(text.length, MAX_PACKET - REPLY_HEADER);
        ByteBuffer b = ByteBuffer.allocate(REPLY_HEADER + n).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putInt(status).putLong(sessionId).putShort((short) n).put(text, 0, n);
        return b.array();
    }

    /**
     * @return the reply in a packet of {@code length} bytes
     * @throws IllegalArgumentException when it is not a reply
     */
    public static Reply decodeReply(byte[] packet, int length) {
        ByteBuffer b = ByteBuffer.wrap(packet, 0, length).order(ByteOrder.LITTLE_ENDIAN);
        if (length < REPLY_HEADER || b.getInt() != MAGIC) {
            throw new IllegalArgumentException("not an attach reply (" + length + " bytes)");
        }
        int status = b.getInt();
        long session = b.getLong();
        int n = Short.toUnsignedInt(b.getShort());
        if (n != length - REPLY_HEADER) {
            throw new IllegalArgumentException("attach reply message length " + n + " in a packet of " + length);
        }
        return new Reply(status, session, new String(packet, REPLY_HEADER, n, StandardCharsets.UTF_8));
    }
}
