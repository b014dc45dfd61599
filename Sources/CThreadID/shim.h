// The calling thread's kernel id (Linux), which Swift cannot reach: glibc's gettid() is declared only under
// _GNU_SOURCE, and syscall() is variadic.
#ifdef __linux__
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

static inline pid_t profile_svc_thread_id(void) { return (pid_t)syscall(SYS_gettid); }
#endif
