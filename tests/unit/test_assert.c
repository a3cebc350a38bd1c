/*
 * test_assert.c -- HIVE_ASSERT (src/support/assert.h): in a build that
 * enables it (HIVE_ASSERTS or HIVE_FEW_RUNS, as `make sanitize` does) a
 * false condition prints where it failed and aborts; in the release
 * build it is compiled out and does not even evaluate the condition.
 * Each case runs in a child process, so the abort ends only the child.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/assert.h"
#include "testutil.h"

static int evaluated;
/* Counts its evaluations; only referenced when HIVE_ASSERT is off. */
__attribute__((unused)) static int touch(int v) {
    evaluated++;
    return v;
}

/* Runs HIVE_ASSERT(touch(v)) in a child; returns its wait status and
 * what it wrote on stderr (the child's evaluation count is its exit code
 * when it does not abort). */
static int run_child(int v, char *err, size_t cap) {
    int pfd[2];
    if (pipe(pfd) != 0) return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(pfd[0]);
        dup2(pfd[1], 2);
        HIVE_ASSERT(touch(v));
        _exit(evaluated);
    }
    close(pfd[1]);
    size_t n = 0;
    ssize_t r;
    while (n + 1 < cap && (r = read(pfd[0], err + n, cap - 1 - n)) > 0) n += (size_t)r;
    err[n] = '\0';
    close(pfd[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    return st;
}

static void test_assert(void) {
    char err[512];
    int st = run_child(1, err, sizeof err);
    CHECK(WIFEXITED(st));
    CHECK_EQ_INT(WEXITSTATUS(st), HIVE_ASSERTS_ON); /* evaluated only when on */
    CHECK_EQ_INT(strlen(err), 0);
    st = run_child(0, err, sizeof err);
    if (HIVE_ASSERTS_ON) {
        CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
        CHECK(strstr(err, "test_assert.c:") && strstr(err, "invariant failed: touch(v)"));
    } else {
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        CHECK_EQ_INT(strlen(err), 0);
    }
#if defined(HIVE_ASSERTS) || defined(HIVE_FEW_RUNS)
    CHECK_EQ_INT(HIVE_ASSERTS_ON, 1);
#else
    CHECK_EQ_INT(HIVE_ASSERTS_ON, 0);
#endif
    printf("  assert: HIVE_ASSERT is %s in this build\n", HIVE_ASSERTS_ON ? "on" : "off");
}

int main(void) {
    RUN(test_assert);
    return test_summary("assert");
}
