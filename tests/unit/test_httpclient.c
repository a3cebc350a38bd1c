/*
 * test_httpclient.c -- the outgoing HTTP core (src/httpclient): the
 * --allow-outbound rules, and requests against a small HTTP/1.1 server on
 * 127.0.0.1 run by a thread here (a body both ways, a refused connection,
 * a denied destination, a request released in flight), ending with
 * hv_hc_shutdown (no leaks under LeakSanitizer).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "httpclient/httpclient.h"
#include "testutil.h"

/* ---- the rules ---- */

static int configure(const char *const *rules, size_t n) {
    hc_config c = {rules, n, NULL, 0, 0};
    char err[200];
    return hv_hc_configure(&c, err, sizeof err);
}

static void test_rules(void) {
    const char *r[] = {"Example.com", "api.test:8443", "*.svc.local", "[::1]:8080", "*:9000"};
    CHECK_EQ_INT(configure(r, 5), 0);
    CHECK(hv_hc_allowed("http", "example.com"));
    CHECK(hv_hc_allowed("https", "EXAMPLE.com:443"));
    CHECK(hv_hc_allowed("http", "example.com:1234")); /* no port in the rule: any */
    CHECK(!hv_hc_allowed("http", "www.example.com"));
    CHECK(hv_hc_allowed("https", "api.test:8443"));
    CHECK(!hv_hc_allowed("https", "api.test")); /* 443 */
    CHECK(hv_hc_allowed("http", "a.svc.local"));
    CHECK(hv_hc_allowed("http", "b.a.svc.local:81"));
    CHECK(!hv_hc_allowed("http", "svc.local")); /* subdomains only */
    CHECK(!hv_hc_allowed("http", "evilsvc.local"));
    CHECK(hv_hc_allowed("http", "[::1]:8080"));
    CHECK(!hv_hc_allowed("http", "[::1]:8081"));
    CHECK(hv_hc_allowed("http", "anything:9000"));
    CHECK(!hv_hc_allowed("http", "user@example.com"));
    CHECK(!hv_hc_allowed("http", "example.com:0"));
    CHECK(!hv_hc_allowed("http", "example.com:99999"));
    CHECK(!hv_hc_allowed("http", ""));
    const char *bad[] = {"a:b:c", "*x.com", "a.*.com", "", "host:", "[::1", "h/p", "x:70000"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) CHECK_EQ_INT(configure(&bad[i], 1), -1);
    CHECK_EQ_INT(configure(NULL, 0), 0);
    CHECK(!hv_hc_allowed("http", "example.com")); /* none: everything denied */
}

/* ---- a server: answers each connection, echoing the request body ---- */

static int srv_fd;
static int srv_port;

static void *server(void *arg) {
    (void)arg;
    for (;;) {
        int c = accept(srv_fd, NULL, NULL);
        if (c < 0) return NULL;
        char buf[65536];
        size_t n = 0;
        ssize_t k;
        char *end = NULL;
        while (!end && n < sizeof buf - 1 && (k = read(c, buf + n, sizeof buf - 1 - n)) > 0) {
            n += (size_t)k;
            buf[n] = 0;
            end = strstr(buf, "\r\n\r\n");
        }
        if (!end) {
            close(c);
            continue;
        }
        size_t want = 0;
        char *cl = strstr(buf, "Content-Length: ");
        if (cl && cl < end) want = strtoul(cl + 16, NULL, 10);
        size_t have = n - (size_t)(end + 4 - buf);
        char *body = malloc(want + 1);
        memcpy(body, end + 4, have < want ? have : want);
        while (have < want && (k = read(c, body + have, want - have)) > 0) have += (size_t)k;
        char head[200];
        int hl = snprintf(head, sizeof head,
                          "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nX-A: b\r\nConnection: close\r\n\r\n",
                          want ? want : 5);
        ssize_t w = write(c, head, (size_t)hl);
        w = write(c, want ? body : "hello", want ? want : 5);
        (void)w;
        free(body);
        close(c);
    }
}

/* ---- waiting for notify ---- */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int notified;

static void on_notify(void *ud) {
    (void)ud;
    pthread_mutex_lock(&mu);
    notified++;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
}

/* Waits (up to 5 s) for a notify after the count seen. */
static void wait_notify(int *seen) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 5;
    pthread_mutex_lock(&mu);
    while (notified == *seen && pthread_cond_timedwait(&cv, &mu, &ts) == 0) {}
    *seen = notified;
    pthread_mutex_unlock(&mu);
}

static hc_request get_req(const char *authority, const char *method, int body, int64_t len) {
    hc_request rq;
    memset(&rq, 0, sizeof rq);
    rq.method = method;
    rq.scheme = "http";
    rq.authority = authority;
    rq.path_with_query = "/x?y=1";
    rq.has_body = body;
    rq.content_length = len;
    return rq;
}

static void test_requests(void) {
    char auth[64], closed[64];
    snprintf(auth, sizeof auth, "127.0.0.1:%d", srv_port);
    /* a closed port: bind one and close it */
    int t = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    bind(t, (struct sockaddr *)&a, sizeof a);
    getsockname(t, (struct sockaddr *)&a, &al);
    snprintf(closed, sizeof closed, "127.0.0.1:%d", ntohs(a.sin_port));
    close(t);
    const char *rules[] = {"127.0.0.1"};
    CHECK_EQ_INT(configure(rules, 1), 0);
    int seen = notified;
    hc_error e;

    /* GET */
    hc_req *r;
    hc_request rq = get_req(auth, "GET", 0, -1);
    CHECK_EQ_INT(hv_hc_send(&rq, on_notify, NULL, &r, &e), 0);
    for (int i = 0; i < 50 && hv_hc_state(r, &e) == HC_WAITING; i++) wait_notify(&seen);
    CHECK_EQ_INT(hv_hc_state(r, &e), HC_HEAD);
    CHECK_EQ_INT(hv_hc_status(r), 200);
    size_t nh;
    const hive_header *h = hv_hc_headers(r, &nh);
    int xa = 0, conn = 0;
    for (size_t i = 0; i < nh; i++) {
        xa |= h[i].name_len == 3 && !memcmp(h[i].name, "x-a", 3) && h[i].value_len == 1;
        conn |= h[i].name_len == 10 && !memcmp(h[i].name, "connection", 10);
    }
    CHECK(xa);    /* names in lower case */
    CHECK(!conn); /* hop-by-hop left out */
    static char got[262144];
    size_t gl = 0;
    int64_t k;
    for (int i = 0; i < 100 && (k = hv_hc_body_read(r, (uint8_t *)got + gl, sizeof got - gl, &e)) != 0;
         i++) {
        if (k > 0) gl += (size_t)k;
        else if (k == -1) wait_notify(&seen);
        else break;
    }
    CHECK_EQ_INT(k, 0);
    CHECK_EQ_INT(gl, 5);
    CHECK(!memcmp(got, "hello", 5));
    hv_hc_release(r);

    /* POST with a streamed body of 200000 bytes (beyond the send buffer) */
    static uint8_t big[200000];
    for (size_t i = 0; i < sizeof big; i++) big[i] = (uint8_t)(i * 13);
    rq = get_req(auth, "POST", 1, (int64_t)sizeof big);
    CHECK_EQ_INT(hv_hc_send(&rq, on_notify, NULL, &r, &e), 0);
    size_t off = 0;
    gl = 0;
    int done = 0;
    for (int i = 0; i < 2000 && !done; i++) {
        size_t room = hv_hc_body_room(r);
        if (off < sizeof big && room && room != (size_t)-1) {
            size_t n = sizeof big - off < room ? sizeof big - off : room;
            CHECK_EQ_INT(hv_hc_body_write(r, big + off, n), (int64_t)n);
            off += n;
            if (off == sizeof big) hv_hc_body_end(r);
            continue;
        }
        if (hv_hc_state(r, &e) == HC_HEAD) {
            k = hv_hc_body_read(r, (uint8_t *)got + gl, sizeof got - gl < 4096 ? sizeof got - gl : 4096, &e);
            if (k > 0) gl += (size_t)k;
            if (k == 0 || k == -2) done = 1;
            if (k > 0) continue;
        }
        wait_notify(&seen);
    }
    CHECK(done);
    CHECK_EQ_INT(off, sizeof big);
    CHECK_EQ_INT(gl, sizeof big);
    CHECK(!memcmp(got, big, gl));
    hv_hc_release(r);

    /* refused */
    rq = get_req(closed, "GET", 0, -1);
    CHECK_EQ_INT(hv_hc_send(&rq, on_notify, NULL, &r, &e), 0);
    for (int i = 0; i < 50 && hv_hc_state(r, &e) == HC_WAITING; i++) wait_notify(&seen);
    CHECK_EQ_INT(hv_hc_state(r, &e), HC_FAILED);
    CHECK_EQ_INT(e.code, HC_E_CONN_REFUSED);
    hv_hc_release(r);

    /* denied, malformed */
    rq = get_req("localhost:1", "GET", 0, -1);
    CHECK_EQ_INT(hv_hc_send(&rq, on_notify, NULL, &r, &e), -1);
    CHECK_EQ_INT(e.code, HC_E_DENIED);
    CHECK(r == NULL);
    rq = get_req(auth, "GE T", 0, -1);
    CHECK_EQ_INT(hv_hc_send(&rq, on_notify, NULL, &r, &e), -1);
    CHECK_EQ_INT(e.code, HC_E_METHOD_INVALID);
    rq = get_req(auth, "GET", 0, -1);
    rq.path_with_query = "/a b";
    CHECK_EQ_INT(hv_hc_send(&rq, on_notify, NULL, &r, &e), -1);
    CHECK_EQ_INT(e.code, HC_E_URI_INVALID);

    /* released in flight (a body that never ends): cancelled */
    rq = get_req(auth, "PUT", 1, -1);
    CHECK_EQ_INT(hv_hc_send(&rq, on_notify, NULL, &r, &e), 0);
    CHECK_EQ_INT(hv_hc_body_write(r, (const uint8_t *)"abc", 3), 3);
    hv_hc_release(r);
    for (int i = 0; i < 100 && hv_hc_in_flight(); i++) usleep(10000);
    CHECK_EQ_INT(hv_hc_in_flight(), 0);
}

int main(void) {
    RUN(test_rules);
    srv_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    if (bind(srv_fd, (struct sockaddr *)&a, sizeof a) || listen(srv_fd, 16) ||
        getsockname(srv_fd, (struct sockaddr *)&a, &al)) {
        perror("server");
        return 1;
    }
    srv_port = ntohs(a.sin_port);
    pthread_t th;
    pthread_create(&th, NULL, server, NULL);
    pthread_detach(th);
    RUN(test_requests);
    hv_hc_shutdown();
    return test_summary("httpclient");
}
