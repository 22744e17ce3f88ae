#ifndef LIKENESS_CLINUX_SHIM_H
#define LIKENESS_CLINUX_SHIM_H

/*
 * glibc calls that Swift's Glibc module does not declare: they are declared in glibc's headers
 * only under _GNU_SOURCE. Declared here as glibc (2.28 and later) defines them; only
 * LikenessFiles uses them.
 */

/* renameat2(2); RENAME_EXCHANGE swaps two names in one step. AT_FDCWD is -100 on Linux. */
int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags);

static inline int clinux_rename_exchange(const char *a, const char *b) {
    return renameat2(-100, a, -100, b, 1u << 1);
}

#endif
