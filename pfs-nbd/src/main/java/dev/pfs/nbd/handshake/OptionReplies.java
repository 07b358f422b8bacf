package dev.pfs.nbd.handshake;

import dev.pfs.nbd.NbdExport;
import dev.pfs.nbd.transmission.RequestDescriptor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/** Encodes the handshake's replies ({@link OptionReplyDescriptor}, {@link GreetingDescriptor}). */
final class OptionReplies {
    private OptionReplies() {
    }

    static ByteBuf greeting(ByteBufAllocator alloc) {
        return alloc.buffer(GreetingDescriptor.GREETING_LENGTH)
                .writeLong(GreetingDescriptor.NBD_MAGIC)
                .writeLong(GreetingDescriptor.IHAVEOPT)
                .writeShort(GreetingDescriptor.FLAG_FIXED_NEWSTYLE | GreetingDescriptor.FLAG_NO_ZEROES);
    }

    /** @return a reply with no data */
    static ByteBuf reply(ByteBufAllocator alloc, int option, int type) {
        return header(alloc, option, type, 0);
    }

    /** @return a reply whose data is {@code text} (an error's message, a context name) after {@code prefix} */
    private static ByteBuf withText(ByteBufAllocator alloc, int option, int type, int prefixBytes, int prefix,
                                    String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        ByteBuf buf = header(alloc, option, type, prefixBytes + bytes.length);
        if (prefixBytes == 4) {
            buf.writeInt(prefix);
        }
        return buf.writeBytes(bytes);
    }

    /** @return an error reply carrying a message for humans */
    static ByteBuf error(ByteBufAllocator alloc, int option, int type, String message) {
        return withText(alloc, option, type, 0, 0, message);
    }

    static ByteBuf server(ByteBufAllocator alloc, NbdExport export) {
        byte[] name = export.name().getBytes(StandardCharsets.UTF_8);
        byte[] description = export.description().getBytes(StandardCharsets.UTF_8);
        return header(alloc, OptionDescriptor.LIST, OptionReplyDescriptor.SERVER, 4 + name.length + description.length)
                .writeInt(name.length).writeBytes(name).writeBytes(description);
    }

    static ByteBuf metaContext(ByteBufAllocator alloc, int option, int id, String name) {
        return withText(alloc, option, OptionReplyDescriptor.META_CONTEXT, 4, id, name);
    }

    static ByteBuf infoExport(ByteBufAllocator alloc, int option, long size, int flags) {
        return header(alloc, option, OptionReplyDescriptor.INFO, 12)
                .writeShort(OptionReplyDescriptor.INFO_EXPORT).writeLong(size).writeShort(flags);
    }

    static ByteBuf infoText(ByteBufAllocator alloc, int option, int infoType, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return header(alloc, option, OptionReplyDescriptor.INFO, 2 + bytes.length)
                .writeShort(infoType).writeBytes(bytes);
    }

    static ByteBuf infoBlockSize(ByteBufAllocator alloc, int option) {
        return header(alloc, option, OptionReplyDescriptor.INFO, 14)
                .writeShort(OptionReplyDescriptor.INFO_BLOCK_SIZE)
                .writeInt(RequestDescriptor.MIN_BLOCK)
                .writeInt(RequestDescriptor.PREFERRED_BLOCK)
                .writeInt(RequestDescriptor.MAX_BLOCK);
    }

    /** @return the answer to EXPORT_NAME: size, flags and, unless the client declined them, zeros */
    static ByteBuf exportName(ByteBufAllocator alloc, long size, int flags, boolean noZeroes) {
        int zeroes = noZeroes ? 0 : OptionReplyDescriptor.EXPORT_NAME_ZEROES;
        return alloc.buffer(10 + zeroes).writeLong(size).writeShort(flags).writeZero(zeroes);
    }

    private static ByteBuf header(ByteBufAllocator alloc, int option, int type, int length) {
        return alloc.buffer(OptionReplyDescriptor.HEADER_LENGTH + length)
                .writeLong(OptionReplyDescriptor.MAGIC).writeInt(option).writeInt(type).writeInt(length);
    }
}
