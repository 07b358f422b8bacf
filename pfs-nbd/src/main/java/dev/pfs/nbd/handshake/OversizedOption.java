package dev.pfs.nbd.handshake;

/** An option whose data exceeded {@link OptionDescriptor#MAX_DATA}; its data was skipped unread. */
record OversizedOption(int option, long length) {
}
