/* hello.c -- the smallest WASI command, for `hive run` startup timing. */
#include <stdio.h>

int main(void) {
    puts("hello, world");
    return 0;
}
