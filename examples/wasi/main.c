/*
 * main.c -- the tl command line:
 *
 *   tl SCRIPT [args...]    run a script file (`-` reads it from stdin)
 *   tl -e CODE [args...]   run CODE
 *
 * The script sees its arguments as the list `args`. Exit status: 0, the
 * script's exit(N), 1 after a run-time error, 2 for a syntax error or bad
 * usage, 3 when out of memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tl.h"

static char *read_source(const char *path) {
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) return NULL;
    Buf b = {NULL, 0, 0};
    char tmp[8192];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) buf_put(&b, tmp, n);
    if (f != stdin) fclose(f);
    if (!b.p) buf_put(&b, "", 0);
    return b.p;
}

int main(int argc, char **argv) {
    if (argc < 2 || (!strcmp(argv[1], "-e") && argc < 3)) {
        fprintf(stderr, "usage: tl SCRIPT [args...] | tl -e CODE [args...]\n");
        return 2;
    }
    int inline_code = !strcmp(argv[1], "-e");
    const char *file = inline_code ? "<-e>" : argv[1];
    char *src = inline_code ? strdup(argv[2]) : read_source(argv[1]);
    if (!src) {
        fprintf(stderr, "tl: cannot read %s\n", argv[1]);
        return 2;
    }
    VM vm;
    vm_init(&vm);
    vm.file = file;
    if (getenv("TL_GC_STRESS")) vm.gc_stress = 1, vm.next_gc = 0;
    lib_install(&vm);
    int first = inline_code ? 3 : 2;
    List *args = list_new(&vm, 0);
    vm.script_args = v_obj(args);
    for (int i = first; i < argc; i++) list_push(args, v_obj(str_new(&vm, argv[i], strlen(argv[i]))));
    env_define(vm.globals, str_intern(&vm, "args", 4), vm.script_args);
    Node *prog = parse_program(&vm, src, file);
    run_program(&vm, prog);
    fflush(stdout);
    vm_free(&vm);
    free(src);
    return 0;
}
