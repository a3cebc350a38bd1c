/* native_main.c -- runs one kernel of kernels.c natively:
 *   native NAME N   prints the kernel's result (as hive run --invoke does). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint32_t fib(uint32_t), loop(uint32_t), sieve(uint32_t), matmul(uint32_t), crc(uint32_t),
    mix64(uint32_t), chase(uint32_t);

int main(int argc, char **argv) {
    static const struct { const char *name; uint32_t (*fn)(uint32_t); } k[] = {
        {"fib", fib}, {"loop", loop}, {"sieve", sieve}, {"matmul", matmul},
        {"crc", crc}, {"mix64", mix64}, {"chase", chase},
    };
    if (argc != 3) return 2;
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (!strcmp(argv[1], k[i].name)) {
            printf("%u\n", k[i].fn((uint32_t)strtoul(argv[2], NULL, 10)));
            return 0;
        }
    return 2;
}
