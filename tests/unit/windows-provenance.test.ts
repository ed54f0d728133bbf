// Provenance as data: every public code symbol of the modeled nt and ntdll and every structure
// `dt` prints has a record; every record names something that exists and a source that is listed.
import { describe, expect, it } from 'vitest';
import { bootWindows } from '../../emulator/src/windows/index.ts';
import { STRUCTS } from '../../emulator/src/windows/structs.ts';
import { NT, USER } from '../../emulator/src/windows/layout.ts';
import {
  ROUTINE_PROVENANCE, ROUTINE_EVIDENCE, ROUTINE_STATUS, STRUCT_PROVENANCE, SOURCES, STATUSES, routineProvenance, routineStatus,
  assumedRoutines, countByStatus,
} from '../../emulator/src/windows/provenance/index.ts';

const kernel = bootWindows();
const inCode = (a: bigint) => (a >= NT.text && a < NT.text + NT.textSize) || (a >= NT.kvascode && a < NT.kvascode + 0x1000n) ||
  (a >= USER.ntdllBase && a < USER.ntdllBase + USER.ntdllSize);
const codeSymbols = kernel.symbols.all().filter((s) => /^(nt|ntdll)!/.test(s.name) && inCode(s.address)).map((s) => s.name);

describe('routine provenance', () => {
  it('finds the routines of the image (sanity)', () => {
    expect(codeSymbols).toContain('nt!KiSystemCall64');
    expect(codeSymbols).toContain('ntdll!NtClose');
    expect(codeSymbols.length).toBeGreaterThan(40);
  });
  it('every public code symbol of nt and ntdll has a record', () => {
    expect(codeSymbols.filter((s) => !ROUTINE_PROVENANCE[s])).toEqual([]);
  });
  it('the status table and the evidence table name the same routines', () => {
    expect(Object.keys(ROUTINE_STATUS).sort()).toEqual(Object.keys(ROUTINE_EVIDENCE).sort());
    expect(routineStatus('nt!KiDispatchException+0x2a')?.[0]).toBe('assumption');
  });
  it('every record names a symbol of the image', () => {
    expect(Object.keys(ROUTINE_PROVENANCE).filter((s) => !codeSymbols.includes(s))).toEqual([]);
  });
  it('every record is well formed', () => {
    for (const r of Object.values(ROUTINE_PROVENANCE)) {
      expect(STATUSES, r.symbol).toContain(r.status);
      expect(r.note.length, r.symbol).toBeGreaterThan(20);
      expect(r.summary.length, r.symbol).toBeGreaterThan(3);
      for (const k of r.sources) expect(SOURCES[k], `${r.symbol}: source ${k}`).toBeDefined();
      if (r.status !== 'assumption') expect(r.sources.length, `${r.symbol} needs a source`).toBeGreaterThan(0);
      if (r.status === 'exact') expect(r.build).toMatch(/17134/);
      for (const p of r.parts ?? []) {
        expect(p.from, r.symbol).toBeLessThan(p.to);
        for (const k of p.sources) expect(SOURCES[k], `${r.symbol}: source ${k}`).toBeDefined();
      }
    }
  });
  it('looks routines up by kd name, with or without an offset', () => {
    expect(routineProvenance('nt!KiPageFault+0x1c')?.symbol).toBe('nt!KiPageFault');
    expect(routineProvenance('NT!kidispatchexception')?.status).toBe('assumption');
    expect(assumedRoutines(['nt!KiSystemCall64', 'nt!KiDispatchException+0x10', 'nt!KiDispatchException']).map((r) => r.symbol)).toEqual(['nt!KiDispatchException']);
  });
  it('counts every status', () => {
    const c = countByStatus(Object.values(ROUTINE_PROVENANCE));
    expect(c.exact + c.reconstructed + c.assumption).toBe(Object.keys(ROUTINE_PROVENANCE).length);
  });
});

describe('structure provenance', () => {
  it('every structure dt prints has a record, and every record a structure', () => {
    expect(Object.keys(STRUCT_PROVENANCE).sort()).toEqual(Object.keys(STRUCTS).sort());
  });
  it('field records name fields of their structure', () => {
    for (const s of Object.values(STRUCT_PROVENANCE)) {
      for (const f of Object.keys(s.fields ?? {})) expect(STRUCTS[s.name].fields.map((x) => x.name), `${s.name}.${f}`).toContain(f);
      for (const k of s.sources) expect(SOURCES[k]).toBeDefined();
    }
  });
});
