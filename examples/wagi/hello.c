/* hello.c -- the smallest WAGI app: a plain-text greeting. */
#include <stdio.h>

int main(void) {
    fputs("Content-Type: text/plain\n\nhello, world\n", stdout);
    return 0;
}
