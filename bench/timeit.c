/*
 * timeit.c -- runs a command, timing it, for bench/run.sh.
 *
 *   timeit [-n RUNS] [-t SECONDS] [-o OUT] [-e ERR] -- command [args...]
 *
 * Runs the command RUNS times (default 1), one after another, with stdin
 * from /dev/null, stdout to OUT and stderr to ERR (default /dev/null;
 * each run truncates them, so they hold the last run's output). A run
 * still going after SECONDS (default 600) of wall-clock time is killed.
 * Prints one line on stdout:
 *
 *   STATUS MAXRSS_KB T1 T2 ... Tn
 *
 * STATUS is "ok" when every run exited 0, else how the first bad run
 * ended: "exit:N", "signal:N" or "timeout"; runs stop after a bad one.
 * MAXRSS_KB is the largest peak resident set size of any run (getrusage
 * of the child, so the timer itself is not counted); Ti are wall-clock
 * seconds from fork to reaping, measured with CLOCK_MONOTONIC.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* wait4 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t timed_out;
static volatile pid_t child;

static void on_alarm(int sig) {
    (void)sig;
    timed_out = 1;
    if (child > 0) kill(child, SIGKILL);
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void) {
    fprintf(stderr, "usage: timeit [-n RUNS] [-t SECONDS] [-o OUT] [-e ERR] -- command [args...]\n");
    exit(2);
}

static int open_out(const char *path) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        fprintf(stderr, "timeit: %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    return fd;
}

int main(int argc, char **argv) {
    long runs = 1;
    unsigned timeout = 600;
    const char *out = "/dev/null", *err = "/dev/null";
    int i = 1;
    for (; i < argc; i++) {
        if (!strcmp(argv[i], "--")) {
            i++;
            break;
        }
        if (i + 1 >= argc) usage();
        if (!strcmp(argv[i], "-n")) runs = strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "-t")) timeout = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "-o")) out = argv[++i];
        else if (!strcmp(argv[i], "-e")) err = argv[++i];
        else usage();
    }
    if (i >= argc || runs < 1 || timeout < 1) usage();
    char **cmd = argv + i;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm; /* no SA_RESTART: wait4 returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);

    double *times = calloc((size_t)runs, sizeof *times);
    if (!times) return 1;
    long maxrss = 0, done = 0;
    char status[32] = "ok";
    for (long r = 0; r < runs; r++) {
        fflush(stdout);
        double t0 = now();
        pid_t pid = fork();
        if (pid < 0) {
            fprintf(stderr, "timeit: fork: %s\n", strerror(errno));
            return 1;
        }
        if (pid == 0) {
            int in = open("/dev/null", O_RDONLY);
            int o = open_out(out), e = open_out(err);
            if (in < 0 || dup2(in, 0) < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0) _exit(127);
            execvp(cmd[0], cmd);
            fprintf(stderr, "timeit: %s: %s\n", cmd[0], strerror(errno));
            _exit(127);
        }
        child = pid;
        timed_out = 0;
        alarm(timeout);
        int ws;
        struct rusage ru;
        pid_t got;
        while ((got = wait4(pid, &ws, 0, &ru)) < 0 && errno == EINTR) {}
        double t1 = now();
        alarm(0);
        child = 0;
        if (got < 0) {
            fprintf(stderr, "timeit: wait4: %s\n", strerror(errno));
            return 1;
        }
        times[done++] = t1 - t0;
        if (ru.ru_maxrss > maxrss) maxrss = ru.ru_maxrss;
        if (timed_out) snprintf(status, sizeof status, "timeout");
        else if (WIFSIGNALED(ws)) snprintf(status, sizeof status, "signal:%d", WTERMSIG(ws));
        else if (WEXITSTATUS(ws)) snprintf(status, sizeof status, "exit:%d", WEXITSTATUS(ws));
        if (strcmp(status, "ok")) break;
    }
    printf("%s %ld", status, maxrss);
    for (long r = 0; r < done; r++) printf(" %.6f", times[r]);
    printf("\n");
    free(times);
    return 0;
}
