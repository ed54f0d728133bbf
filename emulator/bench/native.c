/* Native reference loops for `npm run bench`: the same instruction sequences the emulator runs,
 * in inline assembly so the compiler cannot remove or reorder them. Prints nanoseconds per
 * iteration for each loop (process CPU time, so a busy machine disturbs it less). Built with
 * gcc -O2 -masm=intel. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return t.tv_sec * 1e9 + t.tv_nsec; }

static uint64_t buf[512];

static double alu(long n) {
  uint64_t a = 1, b = 2, d = 3, s = 4;
  long c = n;
  double t0 = now();
  __asm__ volatile(
      "1:\n\t"
      "add rax, rbx\n\t"
      "xor rdx, rax\n\t"
      "sub rbx, 3\n\t"
      "inc rsi\n\t"
      "dec ecx\n\t"
      "jnz 1b\n\t"
      : "+a"(a), "+b"(b), "+d"(d), "+S"(s), "+c"(c) : : "cc");
  return (now() - t0) / n;
}

static double mem(long n) {
  uint64_t a = 0, d = 0;
  long c = n;
  uint64_t *p = buf;
  double t0 = now();
  __asm__ volatile(
      "1:\n\t"
      "mov rax, qword ptr [rdi+rdx*8]\n\t"
      "add rax, 1\n\t"
      "mov qword ptr [rdi+rdx*8], rax\n\t"
      "inc rdx\n\t"
      "and rdx, 511\n\t"
      "dec ecx\n\t"
      "jnz 1b\n\t"
      : "+a"(a), "+d"(d), "+c"(c), "+D"(p) : : "cc", "memory");
  return (now() - t0) / n;
}

/* A real system-call round trip through this machine's kernel (getppid: no work inside). */
static double sys(long n) {
  double t0 = now();
  for (long i = 0; i < n; i++) {
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"((long)SYS_getppid) : "rcx", "r11", "memory");
  }
  return (now() - t0) / n;
}

int main(void) {
  alu(1000000); mem(1000000); sys(10000); /* warm up */
  printf("alu %.4f\nmem %.4f\nsyscall %.4f\n", alu(200000000), mem(100000000), sys(2000000));
  return 0;
}
