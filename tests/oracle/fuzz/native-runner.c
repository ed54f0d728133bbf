/* The host side of the CPU differential fuzzer: runs instruction sequences on this machine's
 * processor, single-stepped, and prints the state after every instruction.
 *
 * Each case maps an arena of pages at a fixed user address with the permissions the case names,
 * fills it from a seeded generator (the same one tests/oracle/fuzz/arena.ts uses), writes the code
 * bytes, then loads every general register, RIP and RFLAGS (with TF) at once by returning from a
 * signal handler whose saved context it rewrote. With TF set, each instruction ends in a #DB trap
 * (SDM Vol. 3A §18.3.1.4), which Linux delivers as SIGTRAP; the handler records the registers from
 * the signal's ucontext and sets TF again. A fault ends the case: the handler records the vector
 * (REG_TRAPNO), the error code (REG_ERR), CR2 (REG_CR2) and the registers at the fault. A REP string
 * instruction traps after each iteration; an iteration that leaves RIP on the instruction is not
 * recorded, so one record is one instruction, as the emulator steps.
 *
 * Input, one case per line (hex fields):
 *   C <id> <perms> <seed> <code offset> <code bytes> <rflags> <rax> ... <r15> <limit> <patches>
 *   perms: one letter per page: x read/write/execute, e read/execute, w read/write, r read, n none;
 *   limit: stop after that many instructions (0: none); patches: `-` or `off:bytes,off:bytes`,
 *   written over the random bytes before the code (a minimised case's memory).
 * Output per case:
 *   R <id>
 *   S <rip> <rflags> <rax> ... <r15>                    after each instruction
 *   X <E|F|B|C> <trapno> <err> <cr2> <rip> <rflags> <rax> ... <r15>
 *       E reached the end of the code, F fault, B step budget, C the case crashed the runner
 *   M <offset>:<bytes> ...                              arena bytes that differ from the start
 * Runs in a child process that is restarted after a crash, so one wild case cannot end a run.
 * Built by the test with gcc (Linux x86-64 with FSGSBASE enabled by the kernel). */
#define _GNU_SOURCE
#include <signal.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#define ARENA 0x10000000UL
#define PAGES 8
#define PAGE 4096
#define MAX_RECORDS 200
#define MAX_STEPS 200000

struct rec { uint64_t g[18]; }; /* rip, rflags, rax..r15 */
struct kase {
  char id[32]; char perms[PAGES + 1]; uint64_t seed; unsigned codeOff; unsigned codeLen;
  uint8_t code[2 * PAGE]; uint64_t rflags; uint64_t regs[16]; int limit; char *patches;
};

static struct kase *cases;
static int ncases;
static uint8_t initial[PAGES * PAGE];
static struct rec recs[MAX_RECORDS];
static int nrec, steps;
static uint64_t endRip, lastRip;
static struct kase *cur;
static char endKind;
static uint64_t endTrap, endErr, endCr2;
static struct rec endState;
static sigjmp_buf back;
static volatile int *progress;

/* Linux gregs order -> rax rcx rdx rbx rsp rbp rsi rdi r8..r15 */
static const int GREG[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                             REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};

static void capture(ucontext_t *uc, struct rec *r) {
  greg_t *g = uc->uc_mcontext.gregs;
  r->g[0] = g[REG_RIP];
  r->g[1] = g[REG_EFL];
  for (int i = 0; i < 16; i++) r->g[2 + i] = g[GREG[i]];
}

/* AC (alignment checks under Linux's CR0.AM), DF, NT and ID would stay set in the runner after a guest
 * POPF: the signal frame does not restore them. */
static void clearAc(void) { __asm__ volatile("pushfq\n\tandq $~0x244400, (%rsp)\n\tpopfq"); }

/* The runner's own FS base (glibc's TLS) and GS base, while the guest runs with both 0 as the
 * model does (FS and GS prefixes then address the arena alike). Nothing between onStart and
 * finish touches TLS: the file is built with -fno-stack-protector. */
static uint64_t hostFs, hostGs;

static void finish(ucontext_t *uc, char kind) {
  __asm__ volatile("wrfsbase %0\n\twrgsbase %1" : : "r"(hostFs), "r"(hostGs));
  greg_t *g = uc->uc_mcontext.gregs;
  endKind = kind;
  endTrap = g[REG_TRAPNO]; endErr = g[REG_ERR]; endCr2 = g[REG_CR2];
  capture(uc, &endState);
  clearAc();
  siglongjmp(back, 1);
}

/* SIGUSR1: the start. Load the case's registers into the context that sigreturn restores. */
static void onStart(int sig, siginfo_t *si, void *ctx) {
  (void)sig; (void)si;
  ucontext_t *uc = ctx;
  greg_t *g = uc->uc_mcontext.gregs;
  for (int i = 0; i < 16; i++) g[GREG[i]] = cur->regs[i];
  g[REG_RIP] = ARENA + cur->codeOff;
  g[REG_EFL] = cur->rflags | 0x100; /* TF */
  if (uc->uc_mcontext.fpregs) uc->uc_mcontext.fpregs->mxcsr = 0x1f80;
  lastRip = g[REG_RIP];
  uint64_t zero = 0;
  __asm__ volatile("rdfsbase %0\n\trdgsbase %1" : "=r"(hostFs), "=r"(hostGs));
  /* Every case starts with null DS/ES/FS/GS selectors, as the model does: bytes outside the table
   * that an earlier case ran (a MOV Sreg drawn from random bytes) may have left another one, and a
   * selector survives the signal return. Loading the null selector comes first: on Intel it may
   * clear the FS/GS base, which the next line sets anyway. */
  __asm__ volatile("mov %0,%%ds\n\tmov %0,%%es\n\tmov %0,%%fs\n\tmov %0,%%gs" : : "r"(0));
  __asm__ volatile("wrfsbase %0\n\twrgsbase %0" : : "r"(zero));
}

static void onTrap(int sig, siginfo_t *si, void *ctx) {
  (void)si;
  ucontext_t *uc = ctx;
  greg_t *g = uc->uc_mcontext.gregs;
  if (sig != SIGTRAP || g[REG_TRAPNO] != 1) finish(uc, 'F'); /* a fault, or INT3 (trapno 3) */
  if (++steps > MAX_STEPS) finish(uc, 'B');
  uint64_t rip = g[REG_RIP];
  if (rip != lastRip) { /* RIP still on the instruction: a REP iteration, not a boundary */
    capture(uc, &recs[nrec]);
    lastRip = rip;
    if (++nrec >= MAX_RECORDS || rip == endRip || nrec == cur->limit) { g[REG_EFL] |= 0x100; finish(uc, rip == endRip ? 'E' : 'B'); }
  }
  g[REG_EFL] |= 0x100;
}

static int hexval(char c) { return c <= '9' ? c - '0' : (c | 32) - 'a' + 10; }

static uint64_t sm(uint64_t *s) { /* splitmix64, as arena.ts */
  uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static int prot(char c) {
  switch (c) {
    case 'x': return PROT_READ | PROT_WRITE | PROT_EXEC;
    case 'e': return PROT_READ | PROT_EXEC;
    case 'w': return PROT_READ | PROT_WRITE;
    case 'r': return PROT_READ;
    default: return PROT_NONE;
  }
}

static void printRec(const char *tag, struct rec *r) {
  printf("%s", tag);
  for (int i = 0; i < 18; i++) printf(" %lx", (unsigned long)r->g[i]);
}

static void runCase(struct kase *k) {
  uint8_t *a = (uint8_t *)ARENA;
  mprotect(a, PAGES * PAGE, PROT_READ | PROT_WRITE);
  uint64_t s = k->seed;
  for (int i = 0; i < PAGES * PAGE; i += 8) { uint64_t v = sm(&s); memcpy(a + i, &v, 8); }
  if (k->patches) {
    for (char *p = k->patches; *p;) {
      unsigned off = strtoul(p, &p, 16);
      if (*p++ != ':') break;
      while (*p && *p != ',' && off < PAGES * PAGE) { a[off++] = hexval(p[0]) << 4 | hexval(p[1]); p += 2; }
      if (*p == ',') p++;
    }
  }
  memcpy(a + k->codeOff, k->code, k->codeLen);
  memcpy(initial, a, sizeof initial);
  for (int p = 0; p < PAGES; p++) mprotect(a + p * PAGE, PAGE, prot(k->perms[p]));
  cur = k; nrec = 0; steps = 0;
  endRip = ARENA + k->codeOff + k->codeLen;
  if (sigsetjmp(back, 1) == 0) {
    clearAc();
    raise(SIGUSR1);
    for (;;) pause(); /* not reached: the guest runs on return from the handler */
  }
  mprotect(a, PAGES * PAGE, PROT_READ);
  printf("R %s\n", k->id);
  for (int i = 0; i < nrec; i++) { printRec("S", &recs[i]); putchar('\n'); }
  /* For E and B the state repeats the last record. */
  printf("X %c %lx %lx %lx", endKind, (unsigned long)endTrap, (unsigned long)endErr, (unsigned long)endCr2);
  printRec("", &endState);
  printf("\nM");
  for (int i = 0; i < PAGES * PAGE;) {
    if (a[i] == initial[i]) { i++; continue; }
    int j = i;
    while (j < PAGES * PAGE && a[j] != initial[j]) j++;
    printf(" %x:", i);
    for (int t = i; t < j; t++) printf("%02x", a[t]);
    i = j;
  }
  printf("\n");
  fflush(stdout);
}


static int parse(char *line, struct kase *k) {
  static char code[4 * PAGE + 2], patches[4 * PAGES * PAGE + 2];
  unsigned long long v[19];
  if (sscanf(line, "C %31s %8s %llx %x %8193s %llx %llx %llx %llx %llx %llx %llx %llx %llx %llx %llx %llx %llx %llx %llx %llx %llx %d %65537s",
             k->id, k->perms, &v[0], &k->codeOff, code, &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9], &v[10],
             &v[11], &v[12], &v[13], &v[14], &v[15], &v[16], &v[17], &k->limit, patches) != 24) return 0;
  k->patches = patches[0] == '-' ? 0 : strdup(patches);
  k->seed = v[0]; k->rflags = v[1];
  for (int i = 0; i < 16; i++) k->regs[i] = v[2 + i];
  k->codeLen = strlen(code) / 2;
  if (k->codeOff + k->codeLen > PAGES * PAGE) return 0;
  for (unsigned i = 0; i < k->codeLen; i++) k->code[i] = hexval(code[2 * i]) << 4 | hexval(code[2 * i + 1]);
  return 1;
}

static void child(int from) {
  static char altstack[1 << 16];
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
  sigaltstack(&ss, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sa.sa_sigaction = onStart;
  sigaction(SIGUSR1, &sa, 0);
  sa.sa_sigaction = onTrap;
  int sigs[] = {SIGTRAP, SIGSEGV, SIGBUS, SIGILL, SIGFPE};
  for (int i = 0; i < 5; i++) sigaction(sigs[i], &sa, 0);
  void *a = mmap((void *)ARENA, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (a != (void *)ARENA) { fprintf(stderr, "cannot map the arena at %lx\n", ARENA); _exit(2); }
  for (int i = from; i < ncases; i++) {
    *progress = i;
    runCase(&cases[i]);
  }
  _exit(0);
}

int main(void) {
  static char line[16 * PAGES * PAGE];
  int cap = 1024;
  cases = malloc(sizeof *cases * cap);
  while (fgets(line, sizeof line, stdin)) {
    if (line[0] != 'C') continue;
    if (ncases == cap) cases = realloc(cases, sizeof *cases * (cap *= 2));
    if (!parse(line, &cases[ncases])) { fprintf(stderr, "bad case line: %.80s\n", line); return 2; }
    ncases++;
  }
  progress = mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  int from = 0;
  while (from < ncases) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) child(from);
    int st;
    waitpid(pid, &st, 0);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) break;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 2) return 2;
    int bad = *progress;
    printf("R %s\nX C 0 0 0", cases[bad].id);
    for (int i = 0; i < 18; i++) printf(" 0");
    printf("\nM\n");
    from = bad + 1;
  }
  fflush(stdout);
  return 0;
}
