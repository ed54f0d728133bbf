// Rows of the opcode table (opcodes.ts) for the common instructions that raised #UD until the CPU
// differential fuzzer (tests/oracle/fuzz) listed them. Each is enumerated by the modeled CPU's
// CPUID (cpuid.ts); an instruction whose bit the CPU lacks decodes and raises #UD in its semantics.
// Notation as in opcodes.ts.

import type { Osz } from './opcodes.ts';

type Add = (mnemonic: string, op: string, enc: string, ops: string, osz: Osz, flags: string, page: string) => void;

export function addExtendedRows(add: Add): void {
  // SAHF/LAHF in 64-bit mode: CPUID.80000001H:ECX.LAHF-SAHF[bit 0].
  add('sahf', 'sahf', '9E', '', 'n', '', 'SAHF');
  add('lahf', 'lahf', '9F', '', 'n', '', 'LAHF');
  add('cmc', 'cmc', 'F5', '', 'n', '', 'CMC');
  // XLAT: AL <- [rBX + AL]; the operand names the table (WinDbg: `xlat byte ptr [rbx]`).
  add('xlat', 'xlat', 'D7', 'Tb', 'n', '', 'XLAT/XLATB');
  add('enterw|enter', 'enter', 'C8', 'Iw,Ib', 'd64', '', 'ENTER');
  // ENDBR64: a NOP on a processor without CET or with it disabled (SDM Vol. 2A ENDBR64).
  add('endbr64', 'nop', 'F3 0F 1E =FA', '', 'n', '', 'ENDBR64');
  // PREFETCHh and PREFETCHW: hints, never a fault (Vol. 2B PREFETCHh: "does not affect program
  // behavior"); PREFETCHW: CPUID.80000001H:ECX.PRFCHW[bit 8].
  add('prefetchnta', 'prefetch', '0F 18 /0 mem', 'Mb', 'n', '', 'PREFETCHh');
  add('prefetcht0', 'prefetch', '0F 18 /1 mem', 'Mb', 'n', '', 'PREFETCHh');
  add('prefetcht1', 'prefetch', '0F 18 /2 mem', 'Mb', 'n', '', 'PREFETCHh');
  add('prefetcht2', 'prefetch', '0F 18 /3 mem', 'Mb', 'n', '', 'PREFETCHh');
  add('prefetchw', 'prefetch', '0F 0D /1 mem', 'Mb', 'n', '', 'PREFETCHW');
  // CLFLUSH (CPUID.01H:EDX.CLFSH[bit 19]) and CLFLUSHOPT (CPUID.07H:EBX[bit 23]): checked like a
  // byte load; no caches are modeled.
  add('clflush', 'clflush', '0F AE /7 mem', 'Mb', 'n', 'S', 'CLFLUSH');
  add('clflushopt', 'clflush', '66 0F AE /7 mem', 'Mb', 'n', '', 'CLFLUSHOPT');
  // CMPXCHG8B (CPUID.01H:EDX.CX8[bit 8]) / CMPXCHG16B with REX.W (CPUID.01H:ECX.CX16[bit 13]).
  add('cmpxchg8b|cmpxchg16b', 'cmpxchg8b', '0F C7 /1 mem', 'Mc', 'y', 'L', 'CMPXCHG8B/CMPXCHG16B');
  // RDRAND (CPUID.01H:ECX[bit 30]), RDSEED (CPUID.07H:EBX[bit 18]), RDPID (CPUID.07H:ECX[bit 22]).
  add('rdrand', 'rdrand', '0F C7 /6 reg', 'Rv', 'v', 'N', 'RDRAND');
  add('rdseed', 'rdseed', '0F C7 /7 reg', 'Rv', 'v', 'N', 'RDSEED');
  add('rdpid', 'rdpid', 'F3 0F C7 /7 reg', 'Rq', 'n', '', 'RDPID');
  // XGETBV: #UD unless CR4.OSXSAVE (CPUID.01H:ECX.XSAVE[bit 26] enumerates it).
  add('xgetbv', 'xgetbv', '0F 01 =D0', '', 'n', 'S', 'XGETBV');
  // LAR/LSL/VERR/VERW: descriptor checks from the GDT, result in ZF (no CPUID bit).
  add('lar', 'lar', '0F 02 /r', 'Gv,Ex', 'v', '', 'LAR');
  add('lsl', 'lsl', '0F 03 /r', 'Gv,Ex', 'v', '', 'LSL');
  add('verr', 'verr', '0F 00 /4', 'Ew', 'n', '', 'VERR/VERW');
  add('verw', 'verw', '0F 00 /5', 'Ew', 'n', '', 'VERR/VERW');
  // MOVBE (CPUID.01H:ECX.MOVBE[bit 22]), CRC32 (CPUID.01H:ECX.SSE4_2[bit 20]), ADCX/ADOX
  // (CPUID.07H:EBX.ADX[bit 19]).
  add('movbe', 'movbe', '0F 38 F0 /r mem', 'Gv,Mv', 'v', 'N', 'MOVBE');
  add('movbe', 'movbe', '0F 38 F1 /r mem', 'Mv,Gv', 'v', 'N', 'MOVBE');
  add('crc32', 'crc32', 'F2 0F 38 F0 /r', 'Gr,Eb', 'v', '', 'CRC32');
  add('crc32', 'crc32', 'F2 0F 38 F1 /r', 'Gr,Ev', 'v', '', 'CRC32');
  add('adcx', 'adcx', '66 0F 38 F6 /r', 'Gy,Ey', 'y', '', 'ADCX');
  add('adox', 'adox', 'F3 0F 38 F6 /r', 'Gy,Ey', 'y', '', 'ADOX');

  // BMI1 (CPUID.07H:EBX.BMI1[bit 3]) and BMI2 (CPUID.07H:EBX.BMI2[bit 8]): VEX-encoded, L = 0
  // (SDM Vol. 2A §2.3 and each page; the encoding reads `VEX [pp] map opcode`).
  add('andn', 'andn', 'VEX 0F 38 F2 /r', 'Gy,By,Ey', 'y', '', 'ANDN');
  add('bextr', 'bextr', 'VEX 0F 38 F7 /r', 'Gy,Ey,By', 'y', '', 'BEXTR');
  add('blsr', 'blsr', 'VEX 0F 38 F3 /1', 'By,Ey', 'y', '', 'BLSR');
  add('blsmsk', 'blsmsk', 'VEX 0F 38 F3 /2', 'By,Ey', 'y', '', 'BLSMSK');
  add('blsi', 'blsi', 'VEX 0F 38 F3 /3', 'By,Ey', 'y', '', 'BLSI');
  add('bzhi', 'bzhi', 'VEX 0F 38 F5 /r', 'Gy,Ey,By', 'y', '', 'BZHI');
  add('pdep', 'pdep', 'VEX F2 0F 38 F5 /r', 'Gy,By,Ey', 'y', '', 'PDEP');
  add('pext', 'pext', 'VEX F3 0F 38 F5 /r', 'Gy,By,Ey', 'y', '', 'PEXT');
  add('mulx', 'mulx', 'VEX F2 0F 38 F6 /r', 'Gy,By,Ey', 'y', '', 'MULX');
  add('rorx', 'rorx', 'VEX F2 0F 3A F0 /r', 'Gy,Ey,Ib', 'y', '', 'RORX');
  add('sarx', 'sarx', 'VEX F3 0F 38 F7 /r', 'Gy,Ey,By', 'y', '', 'SARX/SHLX/SHRX');
  add('shlx', 'shlx', 'VEX 66 0F 38 F7 /r', 'Gy,Ey,By', 'y', '', 'SARX/SHLX/SHRX');
  add('shrx', 'shrx', 'VEX F2 0F 38 F7 /r', 'Gy,Ey,By', 'y', '', 'SARX/SHLX/SHRX');
}
