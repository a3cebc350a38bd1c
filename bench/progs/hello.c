/* hello.c -- the startup benchmark: a whole process that prints one line. */
#include <stdio.h>

int main(void) {
    puts("hello, world");
    return 0;
}
