/*
 * sockets.c -- wasi:sockets@0.3.0 (types, ip-name-lookup). Not
 * implemented yet: nothing is defined, so a guest that imports it fails
 * to instantiate with the missing import named.
 */
#include "wasip3/p3_impl.h"

int p3_define_sockets(hive_wasip3 *p, hive_linker *l) {
    (void)p;
    (void)l;
    return HIVE_OK;
}
