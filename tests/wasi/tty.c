/*
 * tty.c -- WASI test guest: exits with isatty(0) | isatty(1) << 1 |
 * isatty(2) << 2, as wasi-libc decides it (from fd_fdstat_get: a character
 * device without the seek and tell rights), so that the driver can check
 * what each kind of stdio looks like: a terminal, /dev/null, a pipe, a file.
 */
#include <unistd.h>

int main(void) { return isatty(0) | isatty(1) << 1 | isatty(2) << 2; }
