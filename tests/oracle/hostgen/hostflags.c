/* Host-CPU vectors for the executor's ALU, shift, multiply, divide and bit instructions.
 *
 * Each form (an instruction at one operand size, written in Intel syntax) runs here, on the real
 * processor, over edge-case and pseudo-random operands and input flags. Output, one line each:
 *   F <id> <kind> <size> <instruction text>
 *   V <id> <rax> <rbx> <rcx> <rdx> <rflags>  <rax'> <rbx'> <rcx'> <rdx'> <rflags'>   (hex)
 * Operand A is the rax family, B the rbx family, counts are in cl; mul/div use rdx:rax.
 * Built with: gcc -O2 -masm=intel -mno-red-zone (pushfq/popfq run inside the asm).
 * The seed is fixed so that a run is reproducible on a given processor. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cpuid.h>
#include <stdlib.h>

typedef void (*runner)(uint64_t *r, uint64_t *fl);

#define RUN(fn, text)                                                                     \
  static void fn(uint64_t *r, uint64_t *fl) {                                             \
    uint64_t a = r[0], b = r[1], c = r[2], d = r[3], f = *fl;                             \
    __asm__ volatile("push %[f]\n\tpopfq\n\t" text "\n\tpushfq\n\tpop %[f]"               \
                     : "+a"(a), "+b"(b), "+c"(c), "+d"(d), [f] "+r"(f) : : "cc", "memory"); \
    r[0] = a; r[1] = b; r[2] = c; r[3] = d; *fl = f;                                      \
  }

/* kind: B binary (or: all flags defined/unaffected), U unary, S shift by cl, D double shift, M mul/imul (one operand), V div,
 * W idiv, I imul two-operand, T bit test, N scan/count (needs feature: 0 none, 1 lzcnt, 2 tzcnt) */
struct form { const char *kind; int size; const char *text; runner fn; int feature; };

#define B4(op)                                                                        \
  RUN(op##8, #op " al, bl") RUN(op##16, #op " ax, bx") RUN(op##32, #op " eax, ebx") RUN(op##64, #op " rax, rbx")
#define U4(op)                                                                        \
  RUN(op##8, #op " al") RUN(op##16, #op " ax") RUN(op##32, #op " eax") RUN(op##64, #op " rax")
#define S4(op)                                                                        \
  RUN(op##8, #op " al, cl") RUN(op##16, #op " ax, cl") RUN(op##32, #op " eax, cl") RUN(op##64, #op " rax, cl")
#define M4(name, op)                                                                  \
  RUN(name##8, #op " bl") RUN(name##16, #op " bx") RUN(name##32, #op " ebx") RUN(name##64, #op " rbx")
#define R3(op)                                                                        \
  RUN(op##16, #op " ax, bx") RUN(op##32, #op " eax, ebx") RUN(op##64, #op " rax, rbx")
#define D3(op)                                                                        \
  RUN(op##16, #op " ax, bx, cl") RUN(op##32, #op " eax, ebx, cl") RUN(op##64, #op " rax, rbx, cl")

B4(add) B4(adc) B4(sub) B4(sbb) B4(and) B4(or) B4(xor) B4(cmp) B4(test)
U4(inc) U4(dec) U4(neg) U4(not)
S4(shl) S4(shr) S4(sar) S4(rol) S4(ror) S4(rcl) S4(rcr)
D3(shld) D3(shrd)
M4(mul, mul) M4(imul1_, imul) M4(div, div) M4(idiv, idiv)
R3(imul) R3(bt) R3(bts) R3(btr) R3(btc) R3(bsf) R3(bsr) R3(popcnt) R3(lzcnt) R3(tzcnt)

#define F4(k, op) {k, 1, #op " al, bl", op##8, 0}, {k, 2, #op " ax, bx", op##16, 0}, \
                  {k, 4, #op " eax, ebx", op##32, 0}, {k, 8, #op " rax, rbx", op##64, 0}
#define FU(k, op) {k, 1, #op " al", op##8, 0}, {k, 2, #op " ax", op##16, 0}, \
                  {k, 4, #op " eax", op##32, 0}, {k, 8, #op " rax", op##64, 0}
#define FS(op) {"S", 1, #op " al, cl", op##8, 0}, {"S", 2, #op " ax, cl", op##16, 0}, \
               {"S", 4, #op " eax, cl", op##32, 0}, {"S", 8, #op " rax, cl", op##64, 0}
#define FM(k, name, op) {k, 1, #op " bl", name##8, 0}, {k, 2, #op " bx", name##16, 0}, \
                  {k, 4, #op " ebx", name##32, 0}, {k, 8, #op " rbx", name##64, 0}
#define FR(k, op, feat) {k, 2, #op " ax, bx", op##16, feat}, {k, 4, #op " eax, ebx", op##32, feat}, \
                        {k, 8, #op " rax, rbx", op##64, feat}
#define FD(op) {"D", 2, #op " ax, bx, cl", op##16, 0}, {"D", 4, #op " eax, ebx, cl", op##32, 0}, \
               {"D", 8, #op " rax, rbx, cl", op##64, 0}


/* Data movement and conditionals: no flags or all flags defined. */
RUN(cx8, "cmpxchg bl, cl") RUN(cx16, "cmpxchg bx, cx") RUN(cx32, "cmpxchg ebx, ecx") RUN(cx64, "cmpxchg rbx, rcx")
RUN(xa8, "xadd al, bl") RUN(xa16, "xadd ax, bx") RUN(xa32, "xadd eax, ebx") RUN(xa64, "xadd rax, rbx")
RUN(xc8, "xchg al, bl") RUN(xc16, "xchg ax, bx") RUN(xc32, "xchg eax, ebx") RUN(xc64, "xchg rax, rbx")
RUN(cmz32, "cmovz eax, ebx") RUN(cml64, "cmovl rax, rbx") RUN(cmbe16, "cmovbe ax, bx") RUN(cmo32, "cmovo eax, ebx")
RUN(cmp64_, "cmovp rax, rbx") RUN(cmg32, "cmovg eax, ebx") RUN(cms64, "cmovs rax, rbx") RUN(cmnb32, "cmovae eax, ebx")
RUN(stl, "setl al") RUN(stbe, "setbe bl") RUN(stg, "setg al") RUN(sto, "seto bl") RUN(stp, "setp al") RUN(sts, "sets al")
RUN(mzx1, "movzx eax, bl") RUN(mzx2, "movzx rax, bx") RUN(mzx3, "movzx ax, bl")
RUN(msx1, "movsx eax, bl") RUN(msx2, "movsx rax, bx") RUN(msx3, "movsx ax, bl") RUN(msx4, "movsxd rax, ebx")
RUN(bsw32, "bswap eax") RUN(bsw64, "bswap rax")
RUN(cbw_, "cbw") RUN(cwde_, "cwde") RUN(cdqe_, "cdqe") RUN(cwd_, "cwd") RUN(cdq_, "cdq") RUN(cqo_, "cqo")
RUN(im3a, "imul eax, ebx, -7") RUN(im3b, "imul rax, rbx, 0x3e8") RUN(im3c, "imul ax, bx, 0x4d")
RUN(lea1, "lea eax, [rbx+rcx*4+0x12345678]") RUN(lea2, "lea rax, [rbx+rcx*8-0x80]") RUN(lea3, "lea ax, [rbx+rcx]")

/* Memory-destination forms: operand A is the qword at [rdi] (printed in the rax column), so the
 * generic read-modify-write paths are checked too. The accumulator (cmpxchg) is rax, loaded from
 * and printed in the rdx column. */
#define RUNM(fn, text)                                                                    \
  static void fn(uint64_t *r, uint64_t *fl) {                                             \
    uint64_t mem = r[0], *p = &mem, b = r[1], c = r[2], a = r[3], f = *fl;                \
    __asm__ volatile("push %[f]\n\tpopfq\n\t" text "\n\tpushfq\n\tpop %[f]"               \
                     : "+D"(p), "+b"(b), "+c"(c), "+a"(a), [f] "+r"(f) : : "cc", "memory"); \
    r[0] = mem; r[1] = b; r[2] = c; r[3] = a; *fl = f;                                    \
  }
#define BM4(op)                                                                           \
  RUNM(m_##op##8, #op " byte ptr [rdi], bl") RUNM(m_##op##16, #op " word ptr [rdi], bx")   \
  RUNM(m_##op##32, #op " dword ptr [rdi], ebx") RUNM(m_##op##64, #op " qword ptr [rdi], rbx")
#define UM4(op)                                                                           \
  RUNM(m_##op##8, #op " byte ptr [rdi]") RUNM(m_##op##16, #op " word ptr [rdi]")           \
  RUNM(m_##op##32, #op " dword ptr [rdi]") RUNM(m_##op##64, #op " qword ptr [rdi]")
#define SM4(op)                                                                           \
  RUNM(m_##op##8, #op " byte ptr [rdi], cl") RUNM(m_##op##16, #op " word ptr [rdi], cl")   \
  RUNM(m_##op##32, #op " dword ptr [rdi], cl") RUNM(m_##op##64, #op " qword ptr [rdi], cl")
BM4(add) BM4(adc) BM4(sub) BM4(sbb) BM4(and) BM4(or) BM4(xor) BM4(cmp) BM4(test)
BM4(xadd) BM4(cmpxchg) BM4(xchg)
UM4(inc) UM4(dec) UM4(neg) UM4(not)
SM4(shl) SM4(sar) SM4(rcl) SM4(ror)
RUNM(m_shld32, "shld dword ptr [rdi], ebx, cl") RUNM(m_shrd64, "shrd qword ptr [rdi], rbx, cl")
RUNM(m_bts32, "bts dword ptr [rdi], 5") RUNM(m_btc64, "btc qword ptr [rdi], 0x3f") RUNM(m_btr16, "btr word ptr [rdi], 0xf")
#define FBM(k, op) {k "m", 1, #op " byte ptr [rdi], bl", m_##op##8, 0}, {k "m", 2, #op " word ptr [rdi], bx", m_##op##16, 0}, \
                   {k "m", 4, #op " dword ptr [rdi], ebx", m_##op##32, 0}, {k "m", 8, #op " qword ptr [rdi], rbx", m_##op##64, 0}
#define FUM(op) {"Um", 1, #op " byte ptr [rdi]", m_##op##8, 0}, {"Um", 2, #op " word ptr [rdi]", m_##op##16, 0}, \
                {"Um", 4, #op " dword ptr [rdi]", m_##op##32, 0}, {"Um", 8, #op " qword ptr [rdi]", m_##op##64, 0}
#define FSM(op) {"Sm", 1, #op " byte ptr [rdi], cl", m_##op##8, 0}, {"Sm", 2, #op " word ptr [rdi], cl", m_##op##16, 0}, \
                {"Sm", 4, #op " dword ptr [rdi], cl", m_##op##32, 0}, {"Sm", 8, #op " qword ptr [rdi], cl", m_##op##64, 0}

static const struct form FORMS[] = {
  F4("B", add), F4("B", adc), F4("B", sub), F4("B", sbb), F4("B", and), F4("B", or), F4("B", xor),
  F4("B", cmp), F4("B", test),
  FU("U", inc), FU("U", dec), FU("U", neg), FU("U", not),
  FS(shl), FS(shr), FS(sar), FS(rol), FS(ror), FS(rcl), FS(rcr),
  FD(shld), FD(shrd),
  FM("M", mul, mul), FM("M", imul1_, imul), FM("V", div, div), FM("W", idiv, idiv), FR("I", imul, 0),
  FR("T", bt, 0), FR("T", bts, 0), FR("T", btr, 0), FR("T", btc, 0),
  FR("N", bsf, 0), FR("N", bsr, 0), FR("N", popcnt, 0), FR("N", lzcnt, 1), FR("N", tzcnt, 2),
  {"B", 1, "cmpxchg bl, cl", cx8, 0}, {"B", 2, "cmpxchg bx, cx", cx16, 0}, {"B", 4, "cmpxchg ebx, ecx", cx32, 0}, {"B", 8, "cmpxchg rbx, rcx", cx64, 0},
  {"B", 1, "xadd al, bl", xa8, 0}, {"B", 2, "xadd ax, bx", xa16, 0}, {"B", 4, "xadd eax, ebx", xa32, 0}, {"B", 8, "xadd rax, rbx", xa64, 0},
  {"B", 1, "xchg al, bl", xc8, 0}, {"B", 2, "xchg ax, bx", xc16, 0}, {"B", 4, "xchg eax, ebx", xc32, 0}, {"B", 8, "xchg rax, rbx", xc64, 0},
  {"B", 4, "cmovz eax, ebx", cmz32, 0}, {"B", 8, "cmovl rax, rbx", cml64, 0}, {"B", 2, "cmovbe ax, bx", cmbe16, 0}, {"B", 4, "cmovo eax, ebx", cmo32, 0},
  {"B", 8, "cmovp rax, rbx", cmp64_, 0}, {"B", 4, "cmovg eax, ebx", cmg32, 0}, {"B", 8, "cmovs rax, rbx", cms64, 0}, {"B", 4, "cmovae eax, ebx", cmnb32, 0},
  {"B", 1, "setl al", stl, 0}, {"B", 1, "setbe bl", stbe, 0}, {"B", 1, "setg al", stg, 0}, {"B", 1, "seto bl", sto, 0}, {"B", 1, "setp al", stp, 0}, {"B", 1, "sets al", sts, 0},
  {"B", 4, "movzx eax, bl", mzx1, 0}, {"B", 8, "movzx rax, bx", mzx2, 0}, {"B", 2, "movzx ax, bl", mzx3, 0},
  {"B", 4, "movsx eax, bl", msx1, 0}, {"B", 8, "movsx rax, bx", msx2, 0}, {"B", 2, "movsx ax, bl", msx3, 0}, {"B", 8, "movsxd rax, ebx", msx4, 0},
  {"B", 4, "bswap eax", bsw32, 0}, {"B", 8, "bswap rax", bsw64, 0},
  {"B", 2, "cbw", cbw_, 0}, {"B", 4, "cwde", cwde_, 0}, {"B", 8, "cdqe", cdqe_, 0}, {"B", 2, "cwd", cwd_, 0}, {"B", 4, "cdq", cdq_, 0}, {"B", 8, "cqo", cqo_, 0},
  {"I", 4, "imul eax, ebx, -7", im3a, 0}, {"I", 8, "imul rax, rbx, 0x3e8", im3b, 0}, {"I", 2, "imul ax, bx, 0x4d", im3c, 0},
  {"B", 4, "lea eax, [rbx+rcx*4+0x12345678]", lea1, 0}, {"B", 8, "lea rax, [rbx+rcx*8-0x80]", lea2, 0}, {"B", 2, "lea ax, [rbx+rcx]", lea3, 0},
  FBM("B", add), FBM("B", adc), FBM("B", sub), FBM("B", sbb), FBM("B", and), FBM("B", or), FBM("B", xor),
  FBM("B", cmp), FBM("B", test), FBM("B", xadd), FBM("B", cmpxchg), FBM("B", xchg),
  FUM(inc), FUM(dec), FUM(neg), FUM(not), FSM(shl), FSM(sar), FSM(rcl), FSM(ror),
  {"Dm", 4, "shld dword ptr [rdi], ebx, cl", m_shld32, 0}, {"Dm", 8, "shrd qword ptr [rdi], rbx, cl", m_shrd64, 0},
  {"Tm", 4, "bts dword ptr [rdi], 5", m_bts32, 0}, {"Tm", 8, "btc qword ptr [rdi], 0x3f", m_btc64, 0},
  {"Tm", 2, "btr word ptr [rdi], 0xf", m_btr16, 0},
};

/* xorshift64*: fixed seed, reproducible. */
static uint64_t rs = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void) { rs ^= rs >> 12; rs ^= rs << 25; rs ^= rs >> 27; return rs * 0x2545f4914f6cdd1dull; }

static uint64_t mask_of(int size) { return size == 8 ? ~0ull : (1ull << (size * 8)) - 1; }

/* Edge values at a size: 0, 1, 2, max/2 (largest positive), max/2+1 (smallest negative), max-1,
 * max, and a few patterns. */
static uint64_t edge(int size, int k) {
  uint64_t m = mask_of(size), h = m >> 1;
  uint64_t e[] = {0, 1, 2, h, h + 1, m - 1, m, 0x5555555555555555ull & m, 0xaaaaaaaaaaaaaaaaull & m, 0x80ull, 0x7full};
  return e[k % 11];
}
#define NEDGE 11

/* Pseudo-random value whose bits above `size` are random too (they must survive or be zeroed
 * exactly as the architecture says). */
static uint64_t operand(int size, int i, int which) {
  uint64_t v;
  if (i < NEDGE * NEDGE) v = edge(size, which ? i % NEDGE : i / NEDGE);
  else {
    v = rnd();
    switch (rnd() % 4) { case 0: v &= 0xff; break; case 1: v &= 0xffff; break; default: break; }
  }
  return (v & mask_of(size)) | (size == 8 ? 0 : (rnd() & ~mask_of(size)));
}

static int have_lzcnt, have_tzcnt;

static int div_ok(const char *kind, int size, uint64_t a, uint64_t d, uint64_t divisor) {
  uint64_t m = mask_of(size);
  int bits = size * 8;
  divisor &= m;
  if (divisor == 0) return 0;
  if (kind[0] == 'V') {
    unsigned __int128 hi = size == 1 ? 0 : (d & m), lo = size == 1 ? (a & 0xffff) : (a & m);
    unsigned __int128 x = size == 1 ? lo : ((hi << bits) | lo);
    unsigned __int128 q = x / divisor;
    return q <= m;
  } else {
    __int128 x, dv;
    int dbits = size == 1 ? 16 : 2 * bits;
    unsigned __int128 ux = size == 1 ? (a & 0xffff) : ((((unsigned __int128)(d & m)) << bits) | (a & m));
    /* sign-extend the dividend from dbits and the divisor from bits */
    x = (__int128)(ux << (128 - dbits)) >> (128 - dbits);
    dv = (__int128)((unsigned __int128)divisor << (128 - bits)) >> (128 - bits);
    __int128 q = x / dv;
    __int128 lim = (__int128)1 << (bits - 1);
    return q >= -lim && q < lim;
  }
}

int main(int argc, char **argv) {
  int per = argc > 1 ? atoi(argv[1]) : 140;
  unsigned int ea, eb, ec, ed;
  if (__get_cpuid(0x80000001, &ea, &eb, &ec, &ed)) have_lzcnt = (ec >> 5) & 1;
  if (__get_cpuid_count(7, 0, &ea, &eb, &ec, &ed)) have_tzcnt = (eb >> 3) & 1;
  unsigned int n = sizeof FORMS / sizeof FORMS[0];
  printf("# host-flags vectors; lzcnt %d tzcnt %d\n", have_lzcnt, have_tzcnt);
  for (unsigned int id = 0; id < n; id++) {
    const struct form *f = &FORMS[id];
    if ((f->feature == 1 && !have_lzcnt) || (f->feature == 2 && !have_tzcnt)) {
      printf("# skipped (no CPU support): %s\n", f->text);
      continue;
    }
    printf("F %u %s %d %s\n", id, f->kind, f->size, f->text);
    for (int i = 0; i < per; i++) {
      uint64_t r[4], fl, in[4], fin;
      r[0] = operand(f->size, i, 0);
      r[1] = operand(f->size, i, 1);
      r[2] = rnd();
      r[3] = rnd();
      if (f->kind[0] == 'S' || f->kind[0] == 'D') {
        int bits = f->size * 8;
        int counts[] = {0, 1, 2, bits - 1, bits, bits + 1, 31, 32, 33, 63, 64, 7, 8, 9, 15, 16, 17};
        int c = i < 17 ? counts[i] : (int)(rnd() % 72);
        r[2] = (r[2] & ~0xffull) | (uint64_t)c;
        if (f->kind[0] == 'D' && i < NEDGE * NEDGE) { r[0] = operand(f->size, i, 0); r[1] = operand(f->size, i, 1); }
      }
      if (f->kind[0] == 'M' || f->kind[0] == 'V' || f->kind[0] == 'W') {
        /* rdx is an input of div/idiv: keep it varied but mostly small enough */
        if (f->kind[0] != 'M') {
          int tries = 0;
          while (!div_ok(f->kind, f->size, r[0], r[3], r[1]) && tries++ < 200) {
            r[1] = operand(f->size, NEDGE * NEDGE + i, 1);
            switch (rnd() % 3) {
              case 0: r[3] = (r[3] & ~mask_of(f->size)) | 0; break;
              case 1: r[3] = (r[3] & ~mask_of(f->size)) | mask_of(f->size); break;
              default: r[3] = (r[3] & ~mask_of(f->size)) | (rnd() & (mask_of(f->size) >> 4)); break;
            }
            if (f->size == 1) r[0] = (r[0] & ~0xffffull) | (rnd() & 0xffff);
          }
          if (!div_ok(f->kind, f->size, r[0], r[3], r[1])) continue;
        }
      }
      /* status flags in: random CF PF AF ZF SF OF, bit 1 set, nothing else */
      fl = 0x2 | (rnd() & 0x8d5);
      memcpy(in, r, sizeof in);
      fin = fl;
      f->fn(r, &fl);
      printf("V %u %llx %llx %llx %llx %llx %llx %llx %llx %llx %llx\n", id,
             (unsigned long long)in[0], (unsigned long long)in[1], (unsigned long long)in[2], (unsigned long long)in[3],
             (unsigned long long)fin, (unsigned long long)r[0], (unsigned long long)r[1], (unsigned long long)r[2],
             (unsigned long long)r[3], (unsigned long long)(fl & 0x8d5));
    }
  }
  return 0;
}
