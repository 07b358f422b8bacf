/**
 * Disk Paxos (Gafni &amp; Lamport) leader election of the single read-write mount of a volume:
 * {@link dev.pfs.core.paxos.RwElection} with its {@link dev.pfs.core.paxos.LeaseKeeper}, over the
 * layout of {@link dev.pfs.core.paxos.DiskPaxosDescriptor}. See {@code docs/disk-paxos.md}.
 */
package dev.pfs.core.paxos;
