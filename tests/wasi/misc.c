/*
 * misc.c -- WASI test guest: args, environ, clocks, random_get,
 * poll_oneoff (clocks relative and absolute, fd readiness, several
 * subscriptions, errors), proc_raise, sched_yield, the sock_* calls on
 * non-sockets, hostile pointers, and proc_exit.
 *
 * Expects argv = {"misc", "one", "two three"}, environment exactly
 * {"A=1", "B=two"}, stdin with no data before a first wait and then
 * "ping\n", stdout writable. Exits with proc_exit(42) when all passed.
 */
#include <stdlib.h>

#include "guest.h"

static void test_args_env(void) {
    __wasi_size_t argc, size;
    EXPECT(__wasi_args_sizes_get(&argc, &size), 0);
    EXPECT(argc, 3);
    EXPECT(size, 5 + 4 + 10);
    uint8_t *argv[3], buf[19];
    EXPECT(__wasi_args_get(argv, buf), 0);
    EXPECT(strcmp((char *)argv[0], "misc"), 0);
    EXPECT(strcmp((char *)argv[1], "one"), 0);
    EXPECT(strcmp((char *)argv[2], "two three"), 0);
    EXPECT(raw_args_get(BAD_PTR, ptr32(buf)), __WASI_ERRNO_FAULT);
    EXPECT(raw_args_get(ptr32(argv), BAD_PTR), __WASI_ERRNO_FAULT);
    __wasi_size_t envc;
    EXPECT(__wasi_environ_sizes_get(&envc, &size), 0);
    EXPECT(envc, 2);
    EXPECT(size, 4 + 6);
    uint8_t *env[2], ebuf[10];
    EXPECT(__wasi_environ_get(env, ebuf), 0);
    EXPECT(strcmp((char *)env[0], "A=1"), 0);
    EXPECT(strcmp((char *)env[1], "B=two"), 0);
    EXPECT(getenv("PATH") == NULL, 1); /* nothing of the host's leaks in */
    EXPECT(strcmp(getenv("B"), "two"), 0);
}

static void test_clocks(void) {
    __wasi_timestamp_t t, t2;
    for (uint32_t id = 0; id < 4; id++) {
        EXPECT(__wasi_clock_res_get(id, &t), 0);
        EXPECT_TRUE(t > 0 && t <= 1000000000ull);
        EXPECT(__wasi_clock_time_get(id, 1, &t), 0);
    }
    EXPECT(__wasi_clock_res_get(4, &t), __WASI_ERRNO_INVAL);
    EXPECT(__wasi_clock_time_get(4, 1, &t), __WASI_ERRNO_INVAL);
    EXPECT(raw_clock_time_get(1, 1, BAD_PTR), __WASI_ERRNO_FAULT);
    EXPECT(__wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &t), 0);
    EXPECT_TRUE(t > 1600000000ull * 1000000000ull);
    EXPECT(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t), 0);
    EXPECT(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t2), 0);
    EXPECT_TRUE(t2 >= t);
    volatile uint64_t x = 0;
    EXPECT(__wasi_clock_time_get(__WASI_CLOCKID_PROCESS_CPUTIME_ID, 1, &t), 0);
    for (int i = 0; i < 200000; i++) x += (uint64_t)i * i;
    (void)x;
    EXPECT(__wasi_clock_time_get(__WASI_CLOCKID_PROCESS_CPUTIME_ID, 1, &t2), 0);
    EXPECT_TRUE(t2 > t);
    EXPECT(__wasi_clock_time_get(__WASI_CLOCKID_THREAD_CPUTIME_ID, 1, &t2), 0);
}

static void test_random(void) {
    uint8_t a[64], b[64];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    EXPECT(__wasi_random_get(a, sizeof a), 0);
    EXPECT(__wasi_random_get(b, sizeof b), 0);
    EXPECT_TRUE(memcmp(a, b, sizeof a) != 0);
    EXPECT(__wasi_random_get(a, 0), 0);
    EXPECT(raw_random_get(BAD_PTR, 32), __WASI_ERRNO_FAULT);
    EXPECT(raw_random_get(ptr32(a), -1), __WASI_ERRNO_FAULT);
}

static __wasi_timestamp_t now_mono(void) {
    __wasi_timestamp_t t = 0;
    if (__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t)) return 0;
    return t;
}

static __wasi_subscription_t sub_clock(uint64_t ud, __wasi_clockid_t id, uint64_t timeout,
                                       int abs) {
    __wasi_subscription_t s;
    memset(&s, 0, sizeof s);
    s.userdata = ud;
    s.u.tag = __WASI_EVENTTYPE_CLOCK;
    s.u.u.clock.id = id;
    s.u.u.clock.timeout = timeout;
    s.u.u.clock.flags = abs ? __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME : 0;
    return s;
}

static __wasi_subscription_t sub_fd(uint64_t ud, __wasi_eventtype_t type, __wasi_fd_t fd) {
    __wasi_subscription_t s;
    memset(&s, 0, sizeof s);
    s.userdata = ud;
    s.u.tag = type;
    s.u.u.fd_read.file_descriptor = fd;
    return s;
}

static void test_poll(void) {
    __wasi_subscription_t s[4];
    __wasi_event_t ev[4];
    __wasi_size_t n;
    EXPECT(__wasi_poll_oneoff(s, ev, 0, &n), __WASI_ERRNO_INVAL);
    /* relative sleep */
    __wasi_timestamp_t t0 = now_mono();
    s[0] = sub_clock(7, __WASI_CLOCKID_MONOTONIC, 20000000, 0);
    EXPECT(__wasi_poll_oneoff(s, ev, 1, &n), 0);
    EXPECT(n, 1);
    EXPECT(ev[0].userdata, 7);
    EXPECT(ev[0].error, 0);
    EXPECT(ev[0].type, __WASI_EVENTTYPE_CLOCK);
    EXPECT_TRUE(now_mono() - t0 >= 20000000);
    /* absolute, monotonic and realtime */
    t0 = now_mono();
    s[0] = sub_clock(8, __WASI_CLOCKID_MONOTONIC, t0 + 15000000, 1);
    EXPECT(__wasi_poll_oneoff(s, ev, 1, &n), 0);
    EXPECT_TRUE(now_mono() - t0 >= 15000000);
    __wasi_timestamp_t rt;
    EXPECT(__wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &rt), 0);
    t0 = now_mono();
    s[0] = sub_clock(9, __WASI_CLOCKID_REALTIME, rt + 10000000, 1);
    EXPECT(__wasi_poll_oneoff(s, ev, 1, &n), 0);
    EXPECT(ev[0].userdata, 9);
    EXPECT_TRUE(now_mono() - t0 >= 5000000);
    s[0] = sub_clock(10, __WASI_CLOCKID_MONOTONIC, 0, 1); /* in the past: at once */
    EXPECT(__wasi_poll_oneoff(s, ev, 1, &n), 0);
    EXPECT(n, 1);
    /* two clocks: the earlier fires, alone */
    t0 = now_mono();
    s[0] = sub_clock(1, __WASI_CLOCKID_MONOTONIC, 2000000000ull, 0);
    s[1] = sub_clock(2, __WASI_CLOCKID_MONOTONIC, 10000000, 0);
    EXPECT(__wasi_poll_oneoff(s, ev, 2, &n), 0);
    EXPECT(n, 1);
    EXPECT(ev[0].userdata, 2);
    EXPECT_TRUE(now_mono() - t0 < 1000000000ull);
    /* a writable stdout beats a long clock; a bad fd and a bad clock are
     * error events; all ready ones come back together */
    s[0] = sub_clock(1, __WASI_CLOCKID_MONOTONIC, 5000000000ull, 0);
    s[1] = sub_fd(2, __WASI_EVENTTYPE_FD_WRITE, 1);
    s[2] = sub_fd(3, __WASI_EVENTTYPE_FD_READ, 99);
    s[3] = sub_clock(4, 77, 1, 0);
    EXPECT(__wasi_poll_oneoff(s, ev, 4, &n), 0);
    EXPECT(n, 3);
    EXPECT(ev[0].userdata, 2);
    EXPECT(ev[0].type, __WASI_EVENTTYPE_FD_WRITE);
    EXPECT(ev[0].error, 0);
    EXPECT(ev[1].userdata, 3);
    EXPECT(ev[1].error, __WASI_ERRNO_BADF);
    EXPECT(ev[2].userdata, 4);
    EXPECT(ev[2].error, __WASI_ERRNO_INVAL);
    /* stdin: nothing there yet, so the clock fires first ... */
    s[0] = sub_fd(5, __WASI_EVENTTYPE_FD_READ, 0);
    s[1] = sub_clock(6, __WASI_CLOCKID_MONOTONIC, 10000000, 0);
    EXPECT(__wasi_poll_oneoff(s, ev, 2, &n), 0);
    EXPECT(n, 1);
    EXPECT(ev[0].userdata, 6);
    /* ... then, without a clock, poll waits for the data */
    EXPECT(__wasi_poll_oneoff(s, ev, 1, &n), 0);
    EXPECT(n, 1);
    EXPECT(ev[0].userdata, 5);
    EXPECT(ev[0].type, __WASI_EVENTTYPE_FD_READ);
    EXPECT(ev[0].error, 0);
    char buf[16] = {0};
    __wasi_iovec_t v = {(uint8_t *)buf, sizeof buf - 1};
    EXPECT(__wasi_fd_read(0, &v, 1, &n), 0);
    EXPECT(strcmp(buf, "ping\n"), 0);
    /* hostile pointers */
    EXPECT(raw_poll_oneoff(BAD_PTR, ptr32(ev), 1, ptr32(&n)), __WASI_ERRNO_FAULT);
    EXPECT(raw_poll_oneoff(ptr32(s), BAD_PTR, 1, ptr32(&n)), __WASI_ERRNO_FAULT);
    EXPECT(raw_poll_oneoff(ptr32(s), ptr32(ev), 1, BAD_PTR), __WASI_ERRNO_FAULT);
    EXPECT(raw_poll_oneoff(ptr32(s), ptr32(ev), 0x7fffffff, ptr32(&n)), __WASI_ERRNO_FAULT);
}

static void test_unsupported(void) {
    EXPECT(raw_proc_raise(6), __WASI_ERRNO_NOSYS);
    EXPECT(__wasi_sched_yield(), 0);
    __wasi_fd_t fd;
    EXPECT(__wasi_sock_accept(1, 0, &fd), __WASI_ERRNO_NOTSOCK);
    EXPECT(__wasi_sock_accept(99, 0, &fd), __WASI_ERRNO_BADF);
    uint8_t b[4];
    __wasi_iovec_t v = {b, 4};
    __wasi_ciovec_t cv = {b, 4};
    __wasi_size_t n;
    __wasi_roflags_t rf;
    EXPECT(__wasi_sock_recv(0, &v, 1, 0, &n, &rf), __WASI_ERRNO_NOTSOCK);
    EXPECT(__wasi_sock_send(1, &cv, 1, 0, &n), __WASI_ERRNO_NOTSOCK);
    EXPECT(__wasi_sock_shutdown(1, __WASI_SDFLAGS_WR), __WASI_ERRNO_NOTSOCK);
    EXPECT(__wasi_sock_shutdown(99, __WASI_SDFLAGS_WR), __WASI_ERRNO_BADF);
    __wasi_fdstat_t st;
    EXPECT(__wasi_fd_fdstat_get(1, &st), 0);
    EXPECT(st.fs_rights_base & (__WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL), 0);
    __wasi_filesize_t pos;
    EXPECT(__wasi_fd_seek(1, 0, __WASI_WHENCE_CUR, &pos), __WASI_ERRNO_SPIPE);
    EXPECT(__wasi_fd_tell(1, &pos), __WASI_ERRNO_SPIPE);
    __wasi_prestat_t ps;
    EXPECT(__wasi_fd_prestat_get(3, &ps), __WASI_ERRNO_BADF); /* no preopens given */
    EXPECT(__wasi_fd_close(2), 0);
    EXPECT(__wasi_fd_write(2, &cv, 1, &n), __WASI_ERRNO_BADF);
}

int main(void) {
    test_args_env();
    test_clocks();
    test_random();
    test_poll();
    test_unsupported();
    int rc = guest_summary("misc");
    __wasi_proc_exit(rc ? 1 : 42);
}
