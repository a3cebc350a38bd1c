/*
 * fsops.h -- the filesystem operations of wasi:filesystem, on host fds,
 * shared by WASI 0.2 (src/wasip2/fs.c) and WASI 0.3 (src/wasip3/fs.c).
 *
 * Every path is a guest string (pointer and length, not terminated) and is
 * resolved by the preview-1 sandbox (path.c) beneath the directory fd it is
 * relative to: no "..", absolute path or symlink leads out (an attempt is
 * WASI_ENOTCAPABLE, which both versions report as not-permitted). Each
 * function returns 0 or a preview-1 errno; none of them waits on anything
 * but the local file system.
 *
 * Flag words use the bits of the WIT types, which are the same in 0.2 and
 * 0.3: open-flags (WFS_OF_*), descriptor-flags (WFS_DF_*), path-flags
 * (bit 0: symlink-follow).
 */
#ifndef HIVE_WASI_FSOPS_H
#define HIVE_WASI_FSOPS_H

#include <dirent.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "wasi/wasi_impl.h"

/* WIT type text the same in 0.2 and 0.3 */
#define WFS_WIT_PATH_FLAGS "flags { symlink-follow }"
#define WFS_WIT_OPEN_FLAGS "flags { create, directory, exclusive, truncate }"
#define WFS_WIT_DESCRIPTOR_FLAGS                                                            \
    "flags { read, write, file-integrity-sync, data-integrity-sync, requested-write-sync, " \
    "mutate-directory }"
#define WFS_WIT_METADATA_HASH "record { lower: u64, upper: u64 }"
#define WFS_WIT_ADVICE "enum { normal, sequential, random, will-need, dont-need, no-reuse }"

/* descriptor-type, in the order of 0.2's enum (0.3 drops "unknown" and
 * adds other(option<string>) at the end). */
enum {
    WFS_DT_UNKNOWN = 0, WFS_DT_BLOCK, WFS_DT_CHAR, WFS_DT_DIR, WFS_DT_FIFO, WFS_DT_SYMLINK,
    WFS_DT_FILE, WFS_DT_SOCKET
};

/* open-flags */
#define WFS_OF_CREATE 0x1u
#define WFS_OF_DIRECTORY 0x2u
#define WFS_OF_EXCLUSIVE 0x4u
#define WFS_OF_TRUNCATE 0x8u

/* descriptor-flags */
#define WFS_DF_READ 0x1u
#define WFS_DF_WRITE 0x2u
#define WFS_DF_FSYNC 0x4u
#define WFS_DF_DSYNC 0x8u
#define WFS_DF_RSYNC 0x10u
#define WFS_DF_MUTATE 0x20u

uint8_t hv_wfs_dtype_of_mode(mode_t m);
/* The type of a directory entry (d_type, or an lstat beneath dirfd). */
uint8_t hv_wfs_dirent_type(int dirfd, const struct dirent *de);

/* A guest path as a heap string: 0, or EINVAL/EILSEQ (a NUL inside)/
 * ENAMETOOLONG/ENOMEM. */
uint32_t hv_wfs_path_copy(const char *s, size_t n, char **out);

/* A path resolved to (parent directory, last name) beneath dirfd. */
typedef struct wfs_path {
    char *buf;
    int parent, close_parent, trailing;
    const char *name;
} wfs_path;
uint32_t hv_wfs_path_get(hive_wasi *sb, int dirfd, const char *s, size_t n, wfs_path *a);
void hv_wfs_path_fini(wfs_path *a);

/* Opens the path O_PATH (following a last symlink when follow). */
uint32_t hv_wfs_open_path(hive_wasi *sb, int dirfd, const char *s, size_t n, int follow, int *fd);

/* open-at: the file opened read (rd) and/or write (wr), with the open
 * flags (WFS_OF_*) and the sync bits of descriptor-flags (WFS_DF_FSYNC,
 * DSYNC, RSYNC); *fd (blocking, close-on-exec) and its stat. */
uint32_t hv_wfs_open_at(hive_wasi *sb, int dirfd, int follow, const char *s, size_t n, uint32_t oflags,
                     int rd, int wr, uint32_t syncflags, int *fd, struct stat *st);

uint32_t hv_wfs_stat_at(hive_wasi *sb, int dirfd, int follow, const char *s, size_t n, struct stat *st);
uint32_t hv_wfs_create_directory_at(hive_wasi *sb, int dirfd, const char *s, size_t n);
uint32_t hv_wfs_remove_directory_at(hive_wasi *sb, int dirfd, const char *s, size_t n);
uint32_t hv_wfs_unlink_file_at(hive_wasi *sb, int dirfd, const char *s, size_t n);
uint32_t hv_wfs_rename_at(hive_wasi *sb, int d1, const char *s1, size_t n1, int d2, const char *s2, size_t n2);
uint32_t hv_wfs_link_at(hive_wasi *sb, int d1, int follow, const char *s1, size_t n1, int d2, const char *s2,
                     size_t n2);
/* symlink-at: an absolute target is refused (it would lead out). */
uint32_t hv_wfs_symlink_at(hive_wasi *sb, int dirfd, const char *target, size_t tn, const char *s, size_t n);
/* readlink-at: the target in *out (malloc'd, *outn bytes, not terminated). */
uint32_t hv_wfs_readlink_at(hive_wasi *sb, int dirfd, const char *s, size_t n, char **out, size_t *outn);

/* Timestamps: ts[0] access, ts[1] modification, UTIME_OMIT/UTIME_NOW or
 * a time (EINVAL when nanoseconds >= 1e9). */
uint32_t hv_wfs_set_times_at(hive_wasi *sb, int dirfd, int follow, const char *s, size_t n,
                          const struct timespec ts[2]);
uint32_t hv_wfs_set_times(int fd, const struct timespec ts[2]);

/* advise: advice is the index of the WIT enum (normal .. no-reuse). */
uint32_t hv_wfs_advise(int fd, uint64_t offset, uint64_t len, uint32_t advice);
uint32_t hv_wfs_sync(int fd, int data_only);
/* set-size on a descriptor of type dtype opened with dflags. */
uint32_t hv_wfs_set_size(int fd, uint8_t dtype, uint32_t dflags, uint64_t size);

#endif
