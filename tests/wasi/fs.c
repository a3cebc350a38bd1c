/*
 * fs.c -- WASI test guest: every fd_* and path_* function, their errno
 * paths, large iovecs, readdir on a big directory, and the sandbox.
 *
 * Run with one preopen, fd 3, named "/sandbox", over an empty host
 * directory D whose parent holds secret.txt; D/link_abs is a symlink to
 * the absolute host path of secret.txt (made by the test driver, since a
 * guest may not make absolute symlinks). Exit status 0 when all passed.
 */
#include <stdlib.h>

#include "guest.h"

#define DIRFD 3
#define R_FILE                                                                            \
    (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_SEEK |              \
     __WASI_RIGHTS_FD_TELL | __WASI_RIGHTS_FD_FDSTAT_SET_FLAGS | __WASI_RIGHTS_FD_SYNC |   \
     __WASI_RIGHTS_FD_DATASYNC | __WASI_RIGHTS_FD_ADVISE | __WASI_RIGHTS_FD_ALLOCATE |     \
     __WASI_RIGHTS_FD_FILESTAT_GET | __WASI_RIGHTS_FD_FILESTAT_SET_SIZE |                  \
     __WASI_RIGHTS_FD_FILESTAT_SET_TIMES | __WASI_RIGHTS_POLL_FD_READWRITE)
#define R_RDONLY (R_FILE & ~(__WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_ALLOCATE |          \
                             __WASI_RIGHTS_FD_FILESTAT_SET_SIZE | __WASI_RIGHTS_FD_DATASYNC))
#define R_DIR                                                                             \
    (__WASI_RIGHTS_FD_READDIR | __WASI_RIGHTS_PATH_OPEN | __WASI_RIGHTS_PATH_CREATE_FILE | \
     __WASI_RIGHTS_PATH_CREATE_DIRECTORY | __WASI_RIGHTS_FD_FILESTAT_GET |                 \
     __WASI_RIGHTS_PATH_FILESTAT_GET | __WASI_RIGHTS_PATH_UNLINK_FILE |                    \
     __WASI_RIGHTS_PATH_REMOVE_DIRECTORY)

static __wasi_errno_t open_file(__wasi_fd_t dir, const char *path, __wasi_oflags_t of,
                                __wasi_rights_t r, __wasi_fdflags_t ff, __wasi_fd_t *fd) {
    return __wasi_path_open(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, path, of, r, 0, ff, fd);
}

static __wasi_errno_t write_str(__wasi_fd_t fd, const char *s, __wasi_size_t *n) {
    __wasi_ciovec_t v = {(const uint8_t *)s, strlen(s)};
    return __wasi_fd_write(fd, &v, 1, n);
}

/* Makes path (in the sandbox) a file with the given content. */
static void make_file(const char *path, const char *content) {
    __wasi_fd_t fd;
    __wasi_size_t n;
    EXPECT(open_file(DIRFD, path, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, R_FILE, 0, &fd), 0);
    EXPECT(write_str(fd, content, &n), 0);
    EXPECT(__wasi_fd_close(fd), 0);
}

static void test_prestat(void) {
    __wasi_prestat_t ps;
    EXPECT(__wasi_fd_prestat_get(DIRFD, &ps), 0);
    EXPECT(ps.tag, __WASI_PREOPENTYPE_DIR);
    EXPECT(ps.u.dir.pr_name_len, 8);
    char name[16] = {0};
    EXPECT(__wasi_fd_prestat_dir_name(DIRFD, (uint8_t *)name, 8), 0);
    EXPECT(strcmp(name, "/sandbox"), 0);
    EXPECT(__wasi_fd_prestat_dir_name(DIRFD, (uint8_t *)name, 3), __WASI_ERRNO_NAMETOOLONG);
    EXPECT(__wasi_fd_prestat_get(1, &ps), __WASI_ERRNO_BADF);
    EXPECT(__wasi_fd_prestat_get(4, &ps), __WASI_ERRNO_BADF);
    EXPECT(__wasi_fd_prestat_get(1000000, &ps), __WASI_ERRNO_BADF);
    __wasi_fdstat_t st;
    EXPECT(__wasi_fd_fdstat_get(DIRFD, &st), 0);
    EXPECT(st.fs_filetype, __WASI_FILETYPE_DIRECTORY);
    EXPECT_TRUE(st.fs_rights_base & __WASI_RIGHTS_PATH_OPEN);
    EXPECT_TRUE(st.fs_rights_inheriting & __WASI_RIGHTS_FD_READ);
    EXPECT(__wasi_fd_fdstat_get(77, &st), __WASI_ERRNO_BADF);
}

static void test_read_write(void) {
    __wasi_fd_t fd;
    __wasi_size_t n;
    EXPECT(open_file(DIRFD, "rw.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, R_FILE, 0, &fd),
           0);
    __wasi_ciovec_t out[3] = {{(const uint8_t *)"hello", 5}, {(const uint8_t *)", ", 2},
                              {(const uint8_t *)"world", 5}};
    EXPECT(__wasi_fd_write(fd, out, 3, &n), 0);
    EXPECT(n, 12);
    __wasi_filesize_t pos;
    EXPECT(__wasi_fd_tell(fd, &pos), 0);
    EXPECT(pos, 12);
    EXPECT(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos), 0);
    EXPECT(pos, 0);
    char a[7] = {0}, b[16] = {0};
    __wasi_iovec_t in[2] = {{(uint8_t *)a, 6}, {(uint8_t *)b, 16}};
    EXPECT(__wasi_fd_read(fd, in, 2, &n), 0);
    EXPECT(n, 12);
    EXPECT(strcmp(a, "hello,"), 0);
    EXPECT(strcmp(b, " world"), 0);
    EXPECT(__wasi_fd_read(fd, in, 2, &n), 0); /* end of file */
    EXPECT(n, 0);
    EXPECT(__wasi_fd_seek(fd, -5, __WASI_WHENCE_END, &pos), 0);
    EXPECT(pos, 7);
    EXPECT(__wasi_fd_seek(fd, 2, __WASI_WHENCE_CUR, &pos), 0);
    EXPECT(pos, 9);
    EXPECT(__wasi_fd_seek(fd, -100, __WASI_WHENCE_SET, &pos), __WASI_ERRNO_INVAL);
    EXPECT(__wasi_fd_seek(fd, 0, 3, &pos), __WASI_ERRNO_INVAL);
    /* pread / pwrite leave the position alone. */
    char p[6] = {0};
    __wasi_iovec_t pin = {(uint8_t *)p, 5};
    EXPECT(__wasi_fd_pread(fd, &pin, 1, 7, &n), 0);
    EXPECT(n, 5);
    EXPECT(strcmp(p, "world"), 0);
    __wasi_ciovec_t pout = {(const uint8_t *)"HELLO", 5};
    EXPECT(__wasi_fd_pwrite(fd, &pout, 1, 0, &n), 0);
    EXPECT(n, 5);
    EXPECT(__wasi_fd_pread(fd, &pin, 1, 0, &n), 0);
    EXPECT(strcmp(p, "HELLO"), 0);
    EXPECT(__wasi_fd_tell(fd, &pos), 0);
    EXPECT(pos, 9);
    /* Hostile pointers: every one is EFAULT, none crashes the host. */
    EXPECT(raw_fd_write(fd, BAD_PTR, 1, ptr32(&n)), __WASI_ERRNO_FAULT);
    EXPECT(raw_fd_write(fd, ptr32(out), 1, BAD_PTR), __WASI_ERRNO_FAULT);
    EXPECT(raw_fd_write(fd, ptr32(out), 0x20000000, ptr32(&n)), __WASI_ERRNO_FAULT);
    __wasi_iovec_t bad = {(uint8_t *)(uintptr_t)0xfffff000u, 0x2000};
    EXPECT(__wasi_fd_read(fd, &bad, 1, &n), __WASI_ERRNO_FAULT);
    EXPECT(raw_fd_read(fd, ptr32(in), 2, -1), __WASI_ERRNO_FAULT);
    EXPECT(__wasi_fd_write(99, out, 1, &n), __WASI_ERRNO_BADF);
    EXPECT(__wasi_fd_write(DIRFD, out, 1, &n), __WASI_ERRNO_NOTCAPABLE);
    EXPECT(__wasi_fd_close(fd), 0);
    EXPECT(__wasi_fd_close(fd), __WASI_ERRNO_BADF);
    /* A read-only fd cannot write. */
    EXPECT(open_file(DIRFD, "rw.txt", 0, R_RDONLY, 0, &fd), 0);
    EXPECT(__wasi_fd_write(fd, out, 1, &n), __WASI_ERRNO_NOTCAPABLE);
    EXPECT(__wasi_fd_close(fd), 0);
}

/* 1 MiB written through 256 iovecs and read back through 2000 (more than
 * a host call takes at once, so reads come back short and loop). */
static void test_large_iovecs(void) {
    enum { SIZE = 1 << 20, WIOV = 256, RIOV = 2000 };
    uint8_t *src = malloc(SIZE), *dst = malloc(SIZE);
    __wasi_ciovec_t *wv = malloc(WIOV * sizeof *wv);
    __wasi_iovec_t *rv = malloc(RIOV * sizeof *rv);
    for (uint32_t i = 0; i < SIZE; i++) src[i] = (uint8_t)(i * 2654435761u >> 13);
    for (int i = 0; i < WIOV; i++) {
        wv[i].buf = src + i * (SIZE / WIOV);
        wv[i].buf_len = SIZE / WIOV;
    }
    __wasi_fd_t fd;
    __wasi_size_t n;
    EXPECT(open_file(DIRFD, "big.bin", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, R_FILE, 0, &fd),
           0);
    size_t done = 0;
    int calls = 0;
    while (done < SIZE && calls < 100) {
        /* After a short write, continue from where it stopped. */
        EXPECT(__wasi_fd_pwrite(fd, wv, WIOV, 0, &n), 0);
        done = n;
        calls++;
        if (n == SIZE) break;
    }
    EXPECT(done, SIZE);
    __wasi_filestat_t st;
    EXPECT(__wasi_fd_filestat_get(fd, &st), 0);
    EXPECT(st.size, SIZE);
    size_t got = 0;
    calls = 0;
    while (got < SIZE && calls < 1000) {
        size_t chunk = SIZE / RIOV + 1, left = SIZE - got;
        int k = 0;
        for (; k < RIOV && left; k++) {
            size_t l = left < chunk ? left : chunk;
            rv[k].buf = dst + got + (size_t)k * chunk;
            rv[k].buf_len = l;
            left -= l;
        }
        EXPECT(__wasi_fd_pread(fd, rv, k, got, &n), 0);
        if (!n) break;
        got += n;
        calls++;
    }
    EXPECT(got, SIZE);
    EXPECT_TRUE(calls >= 2); /* 2000 iovecs do not fit one host call */
    EXPECT(memcmp(src, dst, SIZE), 0);
    EXPECT(__wasi_fd_close(fd), 0);
    free(src);
    free(dst);
    free(wv);
    free(rv);
}

static void test_fd_state(void) {
    __wasi_fd_t fd;
    __wasi_size_t n;
    __wasi_filestat_t st;
    EXPECT(open_file(DIRFD, "state.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, R_FILE, 0, &fd),
           0);
    EXPECT(write_str(fd, "0123456789", &n), 0);
    EXPECT(__wasi_fd_filestat_get(fd, &st), 0);
    EXPECT(st.filetype, __WASI_FILETYPE_REGULAR_FILE);
    EXPECT(st.size, 10);
    EXPECT(st.nlink, 1);
    EXPECT(__wasi_fd_filestat_set_size(fd, 4), 0);
    EXPECT(__wasi_fd_filestat_get(fd, &st), 0);
    EXPECT(st.size, 4);
    EXPECT(__wasi_fd_filestat_set_size(fd, 100), 0);
    EXPECT(__wasi_fd_filestat_get(fd, &st), 0);
    EXPECT(st.size, 100);
    /* times */
    EXPECT(__wasi_fd_filestat_set_times(fd, 1000000000123ull, 2000000000456ull,
                                        __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM),
           0);
    EXPECT(__wasi_fd_filestat_get(fd, &st), 0);
    EXPECT(st.atim, 1000000000123ull);
    EXPECT(st.mtim, 2000000000456ull);
    EXPECT(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW), 0);
    EXPECT(__wasi_fd_filestat_get(fd, &st), 0);
    EXPECT_TRUE(st.mtim > 1600000000ull * 1000000000ull);
    EXPECT(st.atim, 1000000000123ull);
    EXPECT(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW),
           __WASI_ERRNO_INVAL);
    EXPECT(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM | __WASI_FSTFLAGS_MTIM_NOW),
           __WASI_ERRNO_INVAL);
    /* flags: APPEND makes writes go to the end */
    __wasi_fdstat_t fs;
    EXPECT(__wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND), 0);
    EXPECT(__wasi_fd_fdstat_get(fd, &fs), 0);
    EXPECT(fs.fs_flags, __WASI_FDFLAGS_APPEND);
    EXPECT(fs.fs_filetype, __WASI_FILETYPE_REGULAR_FILE);
    __wasi_filesize_t pos;
    EXPECT(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos), 0);
    EXPECT(write_str(fd, "END", &n), 0);
    EXPECT(__wasi_fd_filestat_get(fd, &st), 0);
    EXPECT(st.size, 103);
    EXPECT(__wasi_fd_fdstat_set_flags(fd, 0), 0);
    EXPECT(__wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_SYNC), __WASI_ERRNO_NOTSUP);
    EXPECT(__wasi_fd_fdstat_set_flags(fd, 0x40), __WASI_ERRNO_INVAL);
    /* advise, allocate, sync */
    EXPECT(__wasi_fd_advise(fd, 0, 100, __WASI_ADVICE_SEQUENTIAL), 0);
    EXPECT(__wasi_fd_advise(fd, 0, 100, 6), __WASI_ERRNO_INVAL);
    EXPECT(__wasi_fd_allocate(fd, 0, 4096), 0);
    EXPECT(__wasi_fd_filestat_get(fd, &st), 0);
    EXPECT(st.size, 4096);
    EXPECT(__wasi_fd_allocate(fd, 0, 0), __WASI_ERRNO_INVAL);
    EXPECT(__wasi_fd_sync(fd), 0);
    EXPECT(__wasi_fd_datasync(fd), 0);
    /* rights only shrink */
    EXPECT(__wasi_fd_fdstat_set_rights(fd, R_FILE & ~__WASI_RIGHTS_FD_WRITE, 0), 0);
    EXPECT(write_str(fd, "x", &n), __WASI_ERRNO_NOTCAPABLE);
    EXPECT(__wasi_fd_fdstat_set_rights(fd, R_FILE, 0), __WASI_ERRNO_NOTCAPABLE);
    EXPECT(__wasi_fd_fdstat_set_rights(fd, __WASI_RIGHTS_FD_READ, 0), 0);
    EXPECT(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos), __WASI_ERRNO_NOTCAPABLE);
    EXPECT(__wasi_fd_tell(fd, &pos), __WASI_ERRNO_NOTCAPABLE);
    EXPECT(__wasi_fd_filestat_get(fd, &st), __WASI_ERRNO_NOTCAPABLE);
    EXPECT(__wasi_fd_filestat_set_size(fd, 0), __WASI_ERRNO_NOTCAPABLE);
    EXPECT(__wasi_fd_sync(fd), __WASI_ERRNO_NOTCAPABLE);
    EXPECT(__wasi_fd_datasync(fd), __WASI_ERRNO_NOTCAPABLE);
    EXPECT(__wasi_fd_advise(fd, 0, 0, 0), __WASI_ERRNO_NOTCAPABLE);
    EXPECT(__wasi_fd_allocate(fd, 0, 1), __WASI_ERRNO_NOTCAPABLE);
    EXPECT(__wasi_fd_close(fd), 0);
    /* renumber */
    __wasi_fd_t a, b;
    make_file("ren_a.txt", "AAA");
    make_file("ren_b.txt", "BBB");
    EXPECT(open_file(DIRFD, "ren_a.txt", 0, R_FILE, 0, &a), 0);
    EXPECT(open_file(DIRFD, "ren_b.txt", 0, R_FILE, 0, &b), 0);
    EXPECT(__wasi_fd_renumber(a, b), 0);
    char buf[4] = {0};
    __wasi_iovec_t v = {(uint8_t *)buf, 3};
    EXPECT(__wasi_fd_read(b, &v, 1, &n), 0);
    EXPECT(strcmp(buf, "AAA"), 0);
    EXPECT(__wasi_fd_read(a, &v, 1, &n), __WASI_ERRNO_BADF);
    EXPECT(__wasi_fd_renumber(b, 500), __WASI_ERRNO_BADF);
    EXPECT(__wasi_fd_renumber(500, b), __WASI_ERRNO_BADF);
    EXPECT(__wasi_fd_renumber(b, b), 0);
    EXPECT(__wasi_fd_close(b), 0);
    /* a directory fd: no reading, seeking is not a file's */
    EXPECT(__wasi_fd_read(DIRFD, &v, 1, &n), __WASI_ERRNO_NOTCAPABLE);
    EXPECT(__wasi_fd_filestat_get(DIRFD, &st), 0);
    EXPECT(st.filetype, __WASI_FILETYPE_DIRECTORY);
}

static void test_paths(void) {
    __wasi_fd_t fd;
    __wasi_filestat_t st;
    /* directories */
    EXPECT(__wasi_path_create_directory(DIRFD, "d1"), 0);
    EXPECT(__wasi_path_create_directory(DIRFD, "d1"), __WASI_ERRNO_EXIST);
    EXPECT(__wasi_path_create_directory(DIRFD, "nope/d2"), __WASI_ERRNO_NOENT);
    EXPECT(__wasi_path_filestat_get(DIRFD, 0, "d1", &st), 0);
    EXPECT(st.filetype, __WASI_FILETYPE_DIRECTORY);
    make_file("d1/f.txt", "f");
    EXPECT(__wasi_path_remove_directory(DIRFD, "d1"), __WASI_ERRNO_NOTEMPTY);
    EXPECT(__wasi_path_remove_directory(DIRFD, "d1/f.txt"), __WASI_ERRNO_NOTDIR);
    EXPECT(__wasi_path_unlink_file(DIRFD, "d1"), __WASI_ERRNO_ISDIR);
    EXPECT(__wasi_path_unlink_file(DIRFD, "d1/f.txt/"), __WASI_ERRNO_NOTDIR);
    EXPECT(__wasi_path_unlink_file(DIRFD, "d1/f.txt"), 0);
    EXPECT(__wasi_path_unlink_file(DIRFD, "d1/f.txt"), __WASI_ERRNO_NOENT);
    EXPECT(__wasi_path_remove_directory(DIRFD, "d1/"), 0);
    EXPECT(__wasi_path_remove_directory(DIRFD, "d1"), __WASI_ERRNO_NOENT);
    EXPECT(__wasi_path_filestat_get(DIRFD, 0, "d1", &st), __WASI_ERRNO_NOENT);
    EXPECT(__wasi_path_create_directory(DIRFD, ""), __WASI_ERRNO_NOENT);
    /* open flags */
    make_file("o.txt", "content");
    EXPECT(open_file(DIRFD, "o.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, R_FILE, 0, &fd),
           __WASI_ERRNO_EXIST);
    EXPECT(open_file(DIRFD, "o.txt", __WASI_OFLAGS_DIRECTORY, R_RDONLY, 0, &fd),
           __WASI_ERRNO_NOTDIR);
    EXPECT(open_file(DIRFD, "missing.txt", 0, R_RDONLY, 0, &fd), __WASI_ERRNO_NOENT);
    EXPECT(open_file(DIRFD, "o.txt", 0x10, R_RDONLY, 0, &fd), __WASI_ERRNO_INVAL);
    EXPECT(open_file(DIRFD, "newdir", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_DIRECTORY, R_DIR, 0, &fd),
           __WASI_ERRNO_INVAL);
    EXPECT(__wasi_path_filestat_get(DIRFD, 0, "newdir", &st), __WASI_ERRNO_NOENT);
    EXPECT(open_file(DIRFD, "o.txt", 0, R_RDONLY, 0x20, &fd), __WASI_ERRNO_INVAL);
    EXPECT(open_file(DIRFD, "o.txt", 0, R_RDONLY | (1ull << 40), 0, &fd),
           __WASI_ERRNO_NOTCAPABLE);
    EXPECT(__wasi_path_create_directory(DIRFD, "od"), 0);
    EXPECT(open_file(DIRFD, "od", 0, R_FILE, 0, &fd), __WASI_ERRNO_ISDIR);
    EXPECT(open_file(DIRFD, "od", __WASI_OFLAGS_DIRECTORY, R_DIR, 0, &fd), 0);
    __wasi_fdstat_t fs;
    EXPECT(__wasi_fd_close(fd), 0);
    /* A directory opens with the rights its parent has (they include
     * FD_DATASYNC, which asks for no write access); FD_WRITE does. */
    EXPECT(__wasi_fd_fdstat_get(DIRFD, &fs), 0);
    EXPECT(__wasi_path_open(DIRFD, 0, ".", __WASI_OFLAGS_DIRECTORY, fs.fs_rights_base,
                            fs.fs_rights_inheriting, 0, &fd),
           0);
    EXPECT(__wasi_fd_close(fd), 0);
    EXPECT(__wasi_path_open(DIRFD, 0, "od", 0, fs.fs_rights_base, 0, 0, &fd), 0);
    EXPECT(__wasi_fd_close(fd), 0);
    EXPECT(__wasi_path_open(DIRFD, 0, "od", __WASI_OFLAGS_DIRECTORY,
                            __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, 0, 0, &fd),
           __WASI_ERRNO_ISDIR);
    EXPECT(__wasi_path_open(DIRFD, 0, "od", 0, __WASI_RIGHTS_FD_WRITE, 0, 0, &fd),
           __WASI_ERRNO_ISDIR);
    /* Rights that do not apply to a directory are dropped: FD_ALLOCATE and
     * FD_FILESTAT_SET_SIZE (which a file gets by opening for writing). */
    EXPECT(__wasi_path_open(DIRFD, 0, "od", 0, fs.fs_rights_inheriting & ~__WASI_RIGHTS_FD_WRITE,
                            0, 0, &fd),
           0);
    EXPECT(__wasi_fd_fdstat_get(fd, &fs), 0);
    EXPECT(fs.fs_filetype, __WASI_FILETYPE_DIRECTORY);
    EXPECT(fs.fs_rights_base & (__WASI_RIGHTS_FD_ALLOCATE | __WASI_RIGHTS_FD_FILESTAT_SET_SIZE |
                                __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK),
           0);
    EXPECT_TRUE(fs.fs_rights_base & __WASI_RIGHTS_FD_READDIR);
    EXPECT(__wasi_fd_close(fd), 0);
    EXPECT(__wasi_path_open(DIRFD, 0, "o.txt", 0,
                            __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_FILESTAT_SET_SIZE, 0, 0, &fd),
           0);
    EXPECT(__wasi_fd_filestat_set_size(fd, 3), 0);
    EXPECT(__wasi_fd_filestat_get(fd, &st), __WASI_ERRNO_NOTCAPABLE);
    EXPECT(__wasi_fd_close(fd), 0);
    EXPECT(__wasi_path_filestat_get(DIRFD, 0, "o.txt", &st), 0);
    EXPECT(st.size, 3);
    EXPECT(open_file(DIRFD, "od", __WASI_OFLAGS_DIRECTORY, R_DIR, 0, &fd), 0);
    EXPECT(__wasi_fd_fdstat_get(fd, &fs), 0);
    EXPECT(fs.fs_filetype, __WASI_FILETYPE_DIRECTORY);
    EXPECT(__wasi_fd_close(fd), 0);
    EXPECT(open_file(DIRFD, "o.txt", __WASI_OFLAGS_TRUNC, R_FILE, 0, &fd), 0);
    EXPECT(__wasi_fd_filestat_get(fd, &st), 0);
    EXPECT(st.size, 0);
    EXPECT(__wasi_fd_close(fd), 0);
    EXPECT(open_file(DIRFD, "app.txt", __WASI_OFLAGS_CREAT, R_FILE, __WASI_FDFLAGS_APPEND, &fd), 0);
    __wasi_size_t n;
    EXPECT(write_str(fd, "one", &n), 0);
    EXPECT(__wasi_fd_fdstat_get(fd, &fs), 0);
    EXPECT(fs.fs_flags, __WASI_FDFLAGS_APPEND);
    EXPECT(__wasi_fd_close(fd), 0);
    EXPECT(open_file(DIRFD, "app.txt", 0, R_FILE, __WASI_FDFLAGS_APPEND, &fd), 0);
    EXPECT(write_str(fd, "two", &n), 0);
    EXPECT(__wasi_fd_filestat_get(fd, &st), 0);
    EXPECT(st.size, 6);
    EXPECT(__wasi_fd_close(fd), 0);
    /* rename */
    make_file("r1.txt", "r");
    EXPECT(__wasi_path_rename(DIRFD, "r1.txt", DIRFD, "od/r2.txt"), 0);
    EXPECT(__wasi_path_filestat_get(DIRFD, 0, "r1.txt", &st), __WASI_ERRNO_NOENT);
    EXPECT(__wasi_path_filestat_get(DIRFD, 0, "od/r2.txt", &st), 0);
    EXPECT(__wasi_path_rename(DIRFD, "r1.txt", DIRFD, "x"), __WASI_ERRNO_NOENT);
    EXPECT(__wasi_path_rename(DIRFD, "od/r2.txt/", DIRFD, "x"), __WASI_ERRNO_NOTDIR);
    EXPECT(__wasi_path_rename(DIRFD, "od", DIRFD, "od2"), 0);
    EXPECT(__wasi_path_rename(DIRFD, "od2", DIRFD, "od"), 0);
    /* hard links */
    EXPECT(__wasi_path_link(DIRFD, 0, "od/r2.txt", DIRFD, "hl.txt"), 0);
    EXPECT(__wasi_path_filestat_get(DIRFD, 0, "hl.txt", &st), 0);
    EXPECT(st.nlink, 2);
    EXPECT(__wasi_path_link(DIRFD, 0, "od/r2.txt", DIRFD, "hl.txt"), __WASI_ERRNO_EXIST);
    EXPECT(__wasi_path_link(DIRFD, 0, "none", DIRFD, "hl2.txt"), __WASI_ERRNO_NOENT);
    EXPECT(__wasi_path_link(DIRFD, 0, "od/r2.txt", DIRFD, "hl3/"), __WASI_ERRNO_NOENT);
    /* symlinks */
    EXPECT(__wasi_path_symlink("o.txt", DIRFD, "sl"), 0);
    EXPECT(__wasi_path_symlink("o.txt", DIRFD, "sl"), __WASI_ERRNO_EXIST);
    EXPECT(__wasi_path_symlink("o.txt", DIRFD, "sl2/"), __WASI_ERRNO_NOENT);
    /* a trailing slash names a directory: an existing file is not one */
    EXPECT(__wasi_path_symlink("x", DIRFD, "o.txt/"), __WASI_ERRNO_NOTDIR);
    EXPECT(__wasi_path_symlink("x", DIRFD, "od/"), __WASI_ERRNO_EXIST);
    EXPECT(__wasi_path_link(DIRFD, 0, "od/r2.txt", DIRFD, "o.txt/"), __WASI_ERRNO_NOTDIR);
    EXPECT(__wasi_path_link(DIRFD, 0, "od/r2.txt", DIRFD, "od/"), __WASI_ERRNO_EXIST);
    char buf[64];
    memset(buf, 0, sizeof buf);
    __wasi_size_t used;
    EXPECT(__wasi_path_readlink(DIRFD, "sl", (uint8_t *)buf, sizeof buf, &used), 0);
    EXPECT(used, 5);
    EXPECT(strcmp(buf, "o.txt"), 0);
    memset(buf, 0, sizeof buf);
    EXPECT(__wasi_path_readlink(DIRFD, "sl", (uint8_t *)buf, 3, &used), 0);
    EXPECT(used, 3);
    EXPECT(strcmp(buf, "o.t"), 0);
    EXPECT(__wasi_path_readlink(DIRFD, "o.txt", (uint8_t *)buf, sizeof buf, &used),
           __WASI_ERRNO_INVAL);
    EXPECT(__wasi_path_readlink(DIRFD, "nothing", (uint8_t *)buf, sizeof buf, &used),
           __WASI_ERRNO_NOENT);
    EXPECT(__wasi_path_readlink(DIRFD, "nothing/", (uint8_t *)buf, sizeof buf, &used),
           __WASI_ERRNO_NOENT);
    EXPECT(__wasi_path_readlink(DIRFD, "o.txt/", (uint8_t *)buf, sizeof buf, &used),
           __WASI_ERRNO_NOTDIR);
    EXPECT(__wasi_path_readlink(DIRFD, "od/", (uint8_t *)buf, sizeof buf, &used),
           __WASI_ERRNO_INVAL);
    EXPECT(__wasi_path_filestat_get(DIRFD, 0, "sl", &st), 0);
    EXPECT(st.filetype, __WASI_FILETYPE_SYMBOLIC_LINK);
    EXPECT(__wasi_path_filestat_get(DIRFD, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "sl", &st), 0);
    EXPECT(st.filetype, __WASI_FILETYPE_REGULAR_FILE);
    EXPECT(__wasi_path_open(DIRFD, 0, "sl", 0, R_RDONLY, 0, 0, &fd), __WASI_ERRNO_LOOP);
    EXPECT(__wasi_path_open(DIRFD, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "sl", 0, R_RDONLY, 0, 0, &fd),
           0);
    EXPECT(__wasi_fd_close(fd), 0);
    EXPECT(__wasi_path_link(DIRFD, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "sl", DIRFD, "hl4.txt"), 0);
    EXPECT(__wasi_path_filestat_get(DIRFD, 0, "hl4.txt", &st), 0);
    EXPECT(st.filetype, __WASI_FILETYPE_REGULAR_FILE);
    EXPECT(__wasi_path_symlink("loop2", DIRFD, "loop1"), 0);
    EXPECT(__wasi_path_symlink("loop1", DIRFD, "loop2"), 0);
    EXPECT(__wasi_path_open(DIRFD, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "loop1", 0, R_RDONLY, 0, 0,
                            &fd),
           __WASI_ERRNO_LOOP);
    /* times by path */
    EXPECT(__wasi_path_filestat_set_times(DIRFD, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "sl", 5000000000ull,
                                          7000000000ull,
                                          __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM),
           0);
    EXPECT(__wasi_path_filestat_get(DIRFD, 0, "o.txt", &st), 0);
    EXPECT(st.mtim, 7000000000ull);
    EXPECT(__wasi_path_filestat_set_times(DIRFD, 0, "sl", 0, 9000000000ull, __WASI_FSTFLAGS_MTIM), 0);
    EXPECT(__wasi_path_filestat_get(DIRFD, 0, "sl", &st), 0);
    EXPECT(st.mtim, 9000000000ull);
    EXPECT(__wasi_path_filestat_get(DIRFD, 0, "o.txt", &st), 0);
    EXPECT(st.mtim, 7000000000ull);
    EXPECT(__wasi_path_filestat_set_times(DIRFD, 0, "o.txt", 0, 0,
                                          __WASI_FSTFLAGS_MTIM | __WASI_FSTFLAGS_MTIM_NOW),
           __WASI_ERRNO_INVAL);
    EXPECT(__wasi_path_filestat_set_times(DIRFD, 0, "missing", 0, 0, __WASI_FSTFLAGS_MTIM_NOW),
           __WASI_ERRNO_NOENT);
    /* paths through a file */
    EXPECT(__wasi_path_filestat_get(DIRFD, 0, "o.txt/x", &st), __WASI_ERRNO_NOTDIR);
    /* a non-directory fd as the base */
    EXPECT(open_file(DIRFD, "o.txt", 0, R_FILE, 0, &fd), 0);
    EXPECT(__wasi_path_filestat_get(fd, 0, "x", &st), __WASI_ERRNO_NOTCAPABLE);
    EXPECT(__wasi_fd_close(fd), 0);
    EXPECT(__wasi_path_filestat_get(1, 0, "x", &st), __WASI_ERRNO_NOTCAPABLE);
    EXPECT(__wasi_path_filestat_get(42, 0, "x", &st), __WASI_ERRNO_BADF);
    /* bad strings */
    char nul[] = "o.t\0xt";
    uint8_t fsbuf[64];
    EXPECT(raw_path_filestat_get(DIRFD, 0, ptr32(nul), 6, ptr32(fsbuf)), __WASI_ERRNO_ILSEQ);
    char bad_utf8[] = "o\xff.txt";
    EXPECT(raw_path_filestat_get(DIRFD, 0, ptr32(bad_utf8), 6, ptr32(fsbuf)), __WASI_ERRNO_ILSEQ);
    EXPECT(raw_path_filestat_get(DIRFD, 0, BAD_PTR, 6, ptr32(fsbuf)), __WASI_ERRNO_FAULT);
    EXPECT(raw_path_filestat_get(DIRFD, 0, ptr32("o.txt"), 5, BAD_PTR), __WASI_ERRNO_FAULT);
    EXPECT(raw_path_open(DIRFD, 0, ptr32("o.txt"), 5, 0, (int64_t)R_RDONLY, 0, 0, BAD_PTR),
           __WASI_ERRNO_FAULT);
}

/* Every escape fails with ENOTCAPABLE; what stays inside works. */
static void test_sandbox(void) {
    __wasi_fd_t fd;
    __wasi_filestat_t st;
    const __wasi_lookupflags_t F = __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW;
    make_file("inside.txt", "inside");
    EXPECT(__wasi_path_create_directory(DIRFD, "sub"), 0);
    EXPECT(__wasi_path_symlink("../secret.txt", DIRFD, "link_out"), 0);
    EXPECT(__wasi_path_symlink("..", DIRFD, "link_dir_out"), 0);
    EXPECT(__wasi_path_symlink("../inside.txt", DIRFD, "sub/link_up"), 0);
    EXPECT(__wasi_path_symlink("sub/../../secret.txt", DIRFD, "link_deep"), 0);
    const char *escapes[] = {"../secret.txt",          "/etc/passwd",     "sub/../../secret.txt",
                             "link_out",               "link_abs",        "link_dir_out/secret.txt",
                             "link_deep",              "..",              "../",
                             "sub/../..",              "./../secret.txt", "link_dir_out",
                             "sub/link_up/../../x"};
    for (size_t i = 0; i < sizeof escapes / sizeof escapes[0]; i++) {
        int e = __wasi_path_open(DIRFD, F, escapes[i], 0, R_RDONLY, 0, 0, &fd);
        if (e != __WASI_ERRNO_NOTCAPABLE && e != __WASI_ERRNO_NOTDIR)
            printf("escape path_open %s\n", escapes[i]);
        EXPECT(e == __WASI_ERRNO_NOTCAPABLE || (i == 12 && e == __WASI_ERRNO_NOTDIR), 1);
        e = __wasi_path_filestat_get(DIRFD, F, escapes[i], &st);
        if (i != 12) EXPECT(e, __WASI_ERRNO_NOTCAPABLE);
    }
    EXPECT(__wasi_path_create_directory(DIRFD, "../x"), __WASI_ERRNO_NOTCAPABLE);
    EXPECT(__wasi_path_create_directory(DIRFD, "link_dir_out/x"), __WASI_ERRNO_NOTCAPABLE);
    EXPECT(__wasi_path_create_directory(DIRFD, "/tmp/x"), __WASI_ERRNO_NOTCAPABLE);
    EXPECT(__wasi_path_remove_directory(DIRFD, ".."), __WASI_ERRNO_NOTCAPABLE);
    EXPECT(__wasi_path_unlink_file(DIRFD, "../secret.txt"), __WASI_ERRNO_NOTCAPABLE);
    EXPECT(__wasi_path_unlink_file(DIRFD, "link_dir_out/secret.txt"), __WASI_ERRNO_NOTCAPABLE);
    EXPECT(__wasi_path_rename(DIRFD, "inside.txt", DIRFD, "../stolen.txt"),
           __WASI_ERRNO_NOTCAPABLE);
    EXPECT(__wasi_path_rename(DIRFD, "../secret.txt", DIRFD, "got.txt"), __WASI_ERRNO_NOTCAPABLE);
    EXPECT(__wasi_path_link(DIRFD, F, "link_out", DIRFD, "got.txt"), __WASI_ERRNO_NOTCAPABLE);
    EXPECT(__wasi_path_link(DIRFD, 0, "../secret.txt", DIRFD, "got.txt"), __WASI_ERRNO_NOTCAPABLE);
    EXPECT(__wasi_path_link(DIRFD, 0, "inside.txt", DIRFD, "../got.txt"), __WASI_ERRNO_NOTCAPABLE);
    EXPECT(__wasi_path_symlink("/etc/passwd", DIRFD, "abs"), __WASI_ERRNO_NOTCAPABLE);
    EXPECT(__wasi_path_symlink("x", DIRFD, "../abs"), __WASI_ERRNO_NOTCAPABLE);
    char buf[64];
    __wasi_size_t used;
    EXPECT(__wasi_path_readlink(DIRFD, "../x", (uint8_t *)buf, sizeof buf, &used),
           __WASI_ERRNO_NOTCAPABLE);
    EXPECT(__wasi_path_filestat_set_times(DIRFD, F, "link_out", 0, 0, __WASI_FSTFLAGS_MTIM_NOW),
           __WASI_ERRNO_NOTCAPABLE);
    EXPECT(__wasi_path_filestat_set_times(DIRFD, 0, "../secret.txt", 0, 0,
                                          __WASI_FSTFLAGS_MTIM_NOW),
           __WASI_ERRNO_NOTCAPABLE);
    EXPECT(open_file(DIRFD, "../new.txt", __WASI_OFLAGS_CREAT, R_FILE, 0, &fd),
           __WASI_ERRNO_NOTCAPABLE);
    EXPECT(open_file(DIRFD, "link_dir_out/new.txt", __WASI_OFLAGS_CREAT, R_FILE, 0, &fd),
           __WASI_ERRNO_NOTCAPABLE);
    /* Inside stays fine, even by way of ".." and symlinks. */
    EXPECT(__wasi_path_open(DIRFD, F, "sub/../inside.txt", 0, R_RDONLY, 0, 0, &fd), 0);
    EXPECT(__wasi_fd_close(fd), 0);
    EXPECT(__wasi_path_open(DIRFD, F, "sub/link_up", 0, R_RDONLY, 0, 0, &fd), 0);
    char rb[8] = {0};
    __wasi_iovec_t v = {(uint8_t *)rb, 6};
    EXPECT(__wasi_fd_read(fd, &v, 1, &used), 0);
    EXPECT(strcmp(rb, "inside"), 0);
    EXPECT(__wasi_fd_close(fd), 0);
    EXPECT(__wasi_path_filestat_get(DIRFD, 0, "link_out", &st), 0); /* the link itself */
    EXPECT(st.filetype, __WASI_FILETYPE_SYMBOLIC_LINK);
    EXPECT(__wasi_path_readlink(DIRFD, "link_abs", (uint8_t *)buf, sizeof buf, &used), 0);
    EXPECT(__wasi_path_filestat_get(DIRFD, F, ".", &st), 0);
    EXPECT(__wasi_path_filestat_get(DIRFD, F, "sub/..", &st), 0);
    EXPECT(__wasi_path_unlink_file(DIRFD, "link_out"), 0); /* removing the link is fine */
    /* A directory fd opened inside is a sandbox of its own. */
    __wasi_fd_t sub;
    EXPECT(open_file(DIRFD, "sub", __WASI_OFLAGS_DIRECTORY, R_DIR, 0, &sub), 0);
    EXPECT(__wasi_path_open(sub, F, "../inside.txt", 0, R_RDONLY, 0, 0, &fd),
           __WASI_ERRNO_NOTCAPABLE);
    EXPECT(__wasi_path_open(sub, F, "link_up", 0, R_RDONLY, 0, 0, &fd), __WASI_ERRNO_NOTCAPABLE);
    EXPECT(__wasi_fd_close(sub), 0);
}

/* readdir over 1500 entries with a small buffer and cookies. */
static void test_readdir(void) {
    enum { N = 1500 };
    EXPECT(__wasi_path_create_directory(DIRFD, "many"), 0);
    char name[32];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "many/file-%04d", i);
        __wasi_fd_t fd;
        if (open_file(DIRFD, name, __WASI_OFLAGS_CREAT, R_FILE, 0, &fd) == 0) EXPECT(__wasi_fd_close(fd), 0);
    }
    __wasi_fd_t d;
    EXPECT(open_file(DIRFD, "many", __WASI_OFLAGS_DIRECTORY, R_DIR, 0, &d), 0);
    static uint8_t seen[N];
    memset(seen, 0, sizeof seen);
    int dots = 0, total = 0, calls = 0, bad = 0;
    uint8_t buf[200];
    __wasi_dircookie_t cookie = 0;
    for (;;) {
        __wasi_size_t used;
        if (__wasi_fd_readdir(d, buf, sizeof buf, cookie, &used) != 0) {
            bad++;
            break;
        }
        calls++;
        size_t o = 0;
        int whole = 0;
        while (o + sizeof(__wasi_dirent_t) <= used) {
            __wasi_dirent_t de;
            memcpy(&de, buf + o, sizeof de);
            if (o + sizeof de + de.d_namlen > used) break; /* cut: read again from cookie */
            const char *nm = (const char *)buf + o + sizeof de;
            if ((de.d_namlen == 1 && nm[0] == '.') ||
                (de.d_namlen == 2 && nm[0] == '.' && nm[1] == '.')) {
                dots++;
            } else if (de.d_namlen == 9 && !memcmp(nm, "file-", 5)) {
                int k = (nm[5] - '0') * 1000 + (nm[6] - '0') * 100 + (nm[7] - '0') * 10 + nm[8] - '0';
                if (k >= 0 && k < N && !seen[k] && de.d_type == __WASI_FILETYPE_REGULAR_FILE)
                    seen[k] = 1;
                else
                    bad++;
            } else {
                bad++;
            }
            total++;
            whole++;
            cookie = de.d_next;
            o += sizeof de + de.d_namlen;
        }
        if (used < sizeof buf) break; /* the end */
        if (!whole) {
            bad++; /* 200 bytes always hold one entry */
            break;
        }
    }
    int all = 1;
    for (int i = 0; i < N; i++) all &= seen[i];
    EXPECT(bad, 0);
    EXPECT(dots, 2);
    EXPECT(total, N + 2);
    EXPECT(all, 1);
    EXPECT_TRUE(calls > 100);
    /* A buffer smaller than one entry: filled to the brim. */
    __wasi_size_t used;
    EXPECT(__wasi_fd_readdir(d, buf, 10, 0, &used), 0);
    EXPECT(used, 10);
    EXPECT(raw_fd_readdir(d, BAD_PTR, 100, 0, ptr32(&used)), __WASI_ERRNO_FAULT);
    EXPECT(raw_fd_readdir(d, ptr32(buf), 100, 0, BAD_PTR), __WASI_ERRNO_FAULT);
    EXPECT(__wasi_fd_close(d), 0);
    /* readdir on a file, and without the right */
    __wasi_fd_t f;
    EXPECT(open_file(DIRFD, "many/file-0001", 0, R_FILE, 0, &f), 0);
    EXPECT(__wasi_fd_readdir(f, buf, sizeof buf, 0, &used), __WASI_ERRNO_NOTCAPABLE);
    EXPECT(__wasi_fd_close(f), 0);
    EXPECT(open_file(DIRFD, "many", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_PATH_OPEN, 0, &d), 0);
    EXPECT(__wasi_fd_readdir(d, buf, sizeof buf, 0, &used), __WASI_ERRNO_NOTCAPABLE);
    EXPECT(__wasi_fd_close(d), 0);
    /* the preopen itself */
    EXPECT(__wasi_fd_readdir(DIRFD, buf, sizeof buf, 0, &used), 0);
    EXPECT_TRUE(used > 24);
}

int main(void) {
    test_prestat();
    test_read_write();
    test_large_iovecs();
    test_fd_state();
    test_paths();
    test_sandbox();
    test_readdir();
    return guest_summary("fs");
}
