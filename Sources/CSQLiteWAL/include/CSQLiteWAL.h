#ifndef ACPD_SQLITE_WAL_H
#define ACPD_SQLITE_WAL_H

/// Registers (once; later calls return the same) the SQLite VFS "acpd-wal": the system default
/// VFS, except that in a WAL file a frame's 24-byte header and the page that follows it go out
/// in one write instead of two. Returns the VFS name, or null when it could not be registered.
const char *acpd_sqlite_wal_vfs(void);

/// How many frames the VFS has written with their header in one write (all connections).
long long acpd_sqlite_wal_joined_frames(void);

#endif
