/*
 * badcgi.c -- a WAGI app whose CGI head is malformed (a line that is no
 * header field), which the server must answer with 502.
 */
#include <stdio.h>

int main(void) {
    fputs("this is not a header line\n\nbody\n", stdout);
    return 0;
}
