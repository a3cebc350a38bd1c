/*
 * sock.c -- WASI test guest for the sock_* calls: stdin is a listening
 * socket given by the host. Accepts one connection, receives "ping",
 * sends 1025 iovecs of one 'x' each (of which one call takes the first
 * 1024, WASI_IOV_MAX: a short write) and "pong", shuts down writing. Exit status 0 when all passed.
 */
#include "guest.h"

int main(void) {
    __wasi_fdstat_t st;
    EXPECT(__wasi_fd_fdstat_get(0, &st), 0);
    EXPECT(st.fs_filetype, __WASI_FILETYPE_SOCKET_STREAM);
    __wasi_fd_t c;
    EXPECT(__wasi_sock_accept(0, 0x10, &c), __WASI_ERRNO_INVAL);
    EXPECT(__wasi_sock_accept(0, 0, &c), 0);
    uint8_t buf[16] = {0};
    __wasi_iovec_t v[2] = {{buf, 2}, {buf + 2, 10}};
    __wasi_size_t n = 0;
    __wasi_roflags_t rf = 9;
    EXPECT(__wasi_sock_recv(c, v, 2, __WASI_RIFLAGS_RECV_PEEK, &n, &rf), 0);
    EXPECT(n, 4);
    EXPECT(__wasi_sock_recv(c, v, 2, 0, &n, &rf), 0);
    EXPECT(n, 4);
    EXPECT(rf, 0);
    EXPECT(memcmp(buf, "ping", 4), 0);
    EXPECT(__wasi_sock_recv(c, v, 2, 4, &n, &rf), __WASI_ERRNO_INVAL);
    static uint8_t xs[1025];
    static __wasi_ciovec_t many[1025];
    for (int i = 0; i < 1025; i++) {
        xs[i] = 'x';
        many[i] = (__wasi_ciovec_t){xs + i, 1};
    }
    EXPECT(__wasi_sock_send(c, many, 1025, 0, &n), 0);
    EXPECT(n, 1024);
    __wasi_ciovec_t cv = {(const uint8_t *)"pong", 4};
    EXPECT(__wasi_sock_send(c, &cv, 1, 0, &n), 0);
    EXPECT(n, 4);
    EXPECT(__wasi_sock_send(c, &cv, 1, 1, &n), __WASI_ERRNO_INVAL);
    EXPECT(__wasi_sock_shutdown(c, 7), __WASI_ERRNO_INVAL);
    EXPECT(__wasi_sock_shutdown(c, __WASI_SDFLAGS_WR), 0);
    EXPECT(__wasi_sock_accept(c, 0, &c), __WASI_ERRNO_NOTCAPABLE);
    /* the peer said nothing more and closed: end of stream */
    EXPECT(__wasi_sock_recv(c, v, 2, 0, &n, &rf), 0);
    EXPECT(n, 0);
    EXPECT(__wasi_fd_close(c), 0);
    return guest_summary("sock");
}
