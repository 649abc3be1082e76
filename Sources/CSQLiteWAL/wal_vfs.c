// A thin SQLite VFS over the default one ("unix" on Linux) for acpd's store.
//
// SQLite writes a WAL frame as two calls to xWrite: the 24-byte frame header, then the page at the
// offset right after it (walWriteOneFrame). Every transaction of acpd writes 4 to 16 frames, so the
// store made two pwrite(2) calls per frame, and each touched the page cache on its own (measured
// in docs/benchmarks.md). Here a 24-byte write to a WAL file is held, and the next write, when it
// continues it, goes out together with it in one call. Anything else that reaches the file first
// (a write elsewhere, a read, a sync, a truncate, a size query, a file control, close) writes the
// held header out before it, so the file never differs from what SQLite wrote by the time any
// other operation can observe it. Frames become visible to readers only through the wal-index
// (the -shm file, updated after all of a commit's frames were written): a held header is never
// part of a commit that readers can see.
//
// Only a header written where this handle's writes end is held: that is a frame being appended,
// whose page SQLite writes next. A header written inside what was already written (SQLite
// rewriting the checksums of frames of the current transaction before its commit, when a page
// was written twice in it) goes out at once: the last of those may be the last write of the
// commit. Writing the WAL header (at offset 0: the WAL starts over) resets where writes end.
// Files that are not WAL files are the default VFS's own.
#include <sqlite3.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define FRAME_HEADER 24

typedef struct {
    sqlite3_file base;
    sqlite3_file *real;            // the default VFS's file, in the same allocation after this struct
    sqlite3_int64 heldOffset;
    sqlite3_int64 writtenEnd;      // the end of the furthest write through this handle
    int held;                      // FRAME_HEADER when a header is held, else 0
    unsigned char header[FRAME_HEADER];
    unsigned char *joined;         // header + page, reused
    int joinedSize;
} WalFile;

static sqlite3_vfs *defaultVfs;
static sqlite3_vfs walVfs;
static atomic_llong joinedFrames;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int registered;

#define REAL(f) (((WalFile *)(f))->real)
// Where the default VFS's file starts in a WalFile's allocation (16-byte aligned).
#define REAL_OFFSET ((sizeof(WalFile) + 15) & ~(size_t)15)

static int writeOut(WalFile *file, const void *buffer, int amount, sqlite3_int64 offset) {
    if (offset == 0) file->writtenEnd = 0;
    if (offset + amount > file->writtenEnd) file->writtenEnd = offset + amount;
    return file->real->pMethods->xWrite(file->real, buffer, amount, offset);
}

static int flushHeld(WalFile *file) {
    if (!file->held) return SQLITE_OK;
    file->held = 0;
    return writeOut(file, file->header, FRAME_HEADER, file->heldOffset);
}

static int walClose(sqlite3_file *f) {
    WalFile *file = (WalFile *)f;
    int rc = flushHeld(file);
    int closed = file->real->pMethods->xClose(file->real);
    free(file->joined);
    file->joined = NULL;
    return rc != SQLITE_OK ? rc : closed;
}

static int walRead(sqlite3_file *f, void *buffer, int amount, sqlite3_int64 offset) {
    int rc = flushHeld((WalFile *)f);
    if (rc != SQLITE_OK) return rc;
    return REAL(f)->pMethods->xRead(REAL(f), buffer, amount, offset);
}

static int walWrite(sqlite3_file *f, const void *buffer, int amount, sqlite3_int64 offset) {
    WalFile *file = (WalFile *)f;
    if (file->held && offset == file->heldOffset + FRAME_HEADER && amount > 0) {
        int size = FRAME_HEADER + amount;
        if (size > file->joinedSize) {
            unsigned char *grown = realloc(file->joined, (size_t)size);
            if (!grown) {
                int rc = flushHeld(file);
                return rc != SQLITE_OK ? rc : writeOut(file, buffer, amount, offset);
            }
            file->joined = grown;
            file->joinedSize = size;
        }
        memcpy(file->joined, file->header, FRAME_HEADER);
        memcpy(file->joined + FRAME_HEADER, buffer, (size_t)amount);
        file->held = 0;
        atomic_fetch_add_explicit(&joinedFrames, 1, memory_order_relaxed);
        return writeOut(file, file->joined, size, file->heldOffset);
    }
    int rc = flushHeld(file);
    if (rc != SQLITE_OK) return rc;
    if (amount == FRAME_HEADER && offset >= file->writtenEnd && offset > 0) {
        memcpy(file->header, buffer, FRAME_HEADER);
        file->heldOffset = offset;
        file->held = FRAME_HEADER;
        return SQLITE_OK;
    }
    return writeOut(file, buffer, amount, offset);
}

static int walTruncate(sqlite3_file *f, sqlite3_int64 size) {
    WalFile *file = (WalFile *)f;
    int rc = flushHeld(file);
    if (rc != SQLITE_OK) return rc;
    if (size < file->writtenEnd) file->writtenEnd = size;
    return file->real->pMethods->xTruncate(file->real, size);
}

static int walSync(sqlite3_file *f, int flags) {
    int rc = flushHeld((WalFile *)f);
    return rc != SQLITE_OK ? rc : REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int walFileSize(sqlite3_file *f, sqlite3_int64 *size) {
    int rc = flushHeld((WalFile *)f);
    return rc != SQLITE_OK ? rc : REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int walLock(sqlite3_file *f, int level) {
    int rc = flushHeld((WalFile *)f);
    return rc != SQLITE_OK ? rc : REAL(f)->pMethods->xLock(REAL(f), level);
}

static int walUnlock(sqlite3_file *f, int level) {
    int rc = flushHeld((WalFile *)f);
    return rc != SQLITE_OK ? rc : REAL(f)->pMethods->xUnlock(REAL(f), level);
}

static int walCheckReservedLock(sqlite3_file *f, int *out) {
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int walFileControl(sqlite3_file *f, int op, void *argument) {
    int rc = flushHeld((WalFile *)f);
    return rc != SQLITE_OK ? rc : REAL(f)->pMethods->xFileControl(REAL(f), op, argument);
}

static int walSectorSize(sqlite3_file *f) { return REAL(f)->pMethods->xSectorSize(REAL(f)); }

static int walDeviceCharacteristics(sqlite3_file *f) { return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f)); }

// Version 1 methods only: SQLite never maps a WAL file's shared memory or pages through the WAL
// file itself (the -shm file belongs to the database file), and with iVersion 1 it does not ask.
static const sqlite3_io_methods walMethods = {
    1, walClose, walRead, walWrite, walTruncate, walSync, walFileSize, walLock, walUnlock,
    walCheckReservedLock, walFileControl, walSectorSize, walDeviceCharacteristics,
    0, 0, 0, 0, 0, 0,
};

static int vfsOpen(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f, int flags, int *outFlags) {
    (void)vfs;
    if (!(flags & SQLITE_OPEN_WAL)) return defaultVfs->xOpen(defaultVfs, name, f, flags, outFlags);
    WalFile *file = (WalFile *)f;
    memset(file, 0, sizeof(WalFile));
    file->real = (sqlite3_file *)((char *)f + REAL_OFFSET);
    int rc = defaultVfs->xOpen(defaultVfs, name, file->real, flags, outFlags);
    // As the default VFS does, pMethods stays null when the open failed (SQLite then skips xClose).
    file->base.pMethods = file->real->pMethods ? &walMethods : NULL;
    return rc;
}

static int vfsDelete(sqlite3_vfs *v, const char *name, int syncDir) { (void)v; return defaultVfs->xDelete(defaultVfs, name, syncDir); }
static int vfsAccess(sqlite3_vfs *v, const char *name, int flags, int *out) { (void)v; return defaultVfs->xAccess(defaultVfs, name, flags, out); }
static int vfsFullPathname(sqlite3_vfs *v, const char *name, int size, char *out) { (void)v; return defaultVfs->xFullPathname(defaultVfs, name, size, out); }
static void *vfsDlOpen(sqlite3_vfs *v, const char *name) { (void)v; return defaultVfs->xDlOpen(defaultVfs, name); }
static void vfsDlError(sqlite3_vfs *v, int size, char *out) { (void)v; defaultVfs->xDlError(defaultVfs, size, out); }
static void (*vfsDlSym(sqlite3_vfs *v, void *handle, const char *symbol))(void) { (void)v; return defaultVfs->xDlSym(defaultVfs, handle, symbol); }
static void vfsDlClose(sqlite3_vfs *v, void *handle) { (void)v; defaultVfs->xDlClose(defaultVfs, handle); }
static int vfsRandomness(sqlite3_vfs *v, int size, char *out) { (void)v; return defaultVfs->xRandomness(defaultVfs, size, out); }
static int vfsSleep(sqlite3_vfs *v, int microseconds) { (void)v; return defaultVfs->xSleep(defaultVfs, microseconds); }
static int vfsCurrentTime(sqlite3_vfs *v, double *out) { (void)v; return defaultVfs->xCurrentTime(defaultVfs, out); }
static int vfsGetLastError(sqlite3_vfs *v, int size, char *out) { (void)v; return defaultVfs->xGetLastError ? defaultVfs->xGetLastError(defaultVfs, size, out) : 0; }
static int vfsCurrentTimeInt64(sqlite3_vfs *v, sqlite3_int64 *out) { (void)v; return defaultVfs->xCurrentTimeInt64(defaultVfs, out); }

static void registerOnce(void) {
    defaultVfs = sqlite3_vfs_find(NULL);
    if (!defaultVfs || defaultVfs->iVersion < 2 || !defaultVfs->xCurrentTimeInt64) return;
    walVfs = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int)REAL_OFFSET + defaultVfs->szOsFile,
        .mxPathname = defaultVfs->mxPathname,
        .zName = "acpd-wal",
        .xOpen = vfsOpen,
        .xDelete = vfsDelete,
        .xAccess = vfsAccess,
        .xFullPathname = vfsFullPathname,
        .xDlOpen = vfsDlOpen,
        .xDlError = vfsDlError,
        .xDlSym = vfsDlSym,
        .xDlClose = vfsDlClose,
        .xRandomness = vfsRandomness,
        .xSleep = vfsSleep,
        .xCurrentTime = vfsCurrentTime,
        .xGetLastError = vfsGetLastError,
        .xCurrentTimeInt64 = vfsCurrentTimeInt64,
    };
    registered = sqlite3_vfs_register(&walVfs, 0) == SQLITE_OK;
}

const char *acpd_sqlite_wal_vfs(void) {
    pthread_once(&once, registerOnce);
    return registered ? walVfs.zName : 0;
}

long long acpd_sqlite_wal_joined_frames(void) {
    return atomic_load_explicit(&joinedFrames, memory_order_relaxed);
}
