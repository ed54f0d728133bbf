// `npx kd`: the terminal front end of the kd session. Three ways to use it:
//   kd                         interactive prompt (history; Ctrl+C breaks into a running `g`)
//   kd -c "cmd; cmd; q"        run the commands and print the transcript
//   kd -c "..." --json         print { transcript, outcome, registers, stops, events } as JSON
// The session runs in a worker thread so that the main thread can take Ctrl+C while a `g` is
// running and raise the break-in flag the session polls between slices.

import { createInterface } from 'node:readline';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { addr64, hex16 } from './format.ts';
import { bootKernel, DEFAULT_HISTORY, KdSession, PROMPT, splitCommands, type KdSessionOptions, type StopInfo } from './session.ts';
import type { KernelOptions, KernelView } from './target.ts';
import { computeBreakpointMap, formatBreakpointMap, MapRequestError } from './bpmap.ts';
import { pickMachineOptions } from '../windows/options.ts';

export const USAGE = `Usage: kd [options]

A kd-style kernel debugger attached to the book's modeled Windows x64 kernel (build 17134),
running on the book's x86-64 emulator. Commands and output follow WinDbg/kd for an x64 kernel
target; type .help at the prompt for the list, .help <command> for one. Commands WinDbg
has and this kd does not answer as WinDbg does, plus a line saying they are not modeled.

Options:
  -c "<cmds>"     run the commands (separated by ';'; braces and parentheses keep theirs,
                  as in .for (...; ...; ...) { ...; ... }), print the transcript, exit
  --json          with -c: print { transcript, outcome, registers, stops, events } as JSON;
                  outcome.kind is break | bugcheck | triple-fault | exited | budget
  --smap          turn SMAP on (CR4.SMAP; off by default in the modeled build)
  --no-smep       turn SMEP off (CR4.SMEP; on by default)
  --kva-shadow    boot with KVA shadowing (LSTAR = nt!KiSystemCall64Shadow, user/kernel CR3)
  --df-reloads-gs the #DF entry reloads the GS base with the KPCR before KiDoubleFaultAbort, as
                  later builds' KiDoubleFaultAbortShadow does (not public for 17134; off by
                  default: public KiDoubleFaultAbort code decides swapgs from the saved CS only)
  --mov-ss-fix    the May 2018 update for CVE-2018-8897 (later than 17134.1): #DB on its own
                  IST stack, and a kernel-mode #DB at a kernel entry point dismissed with iretq
                  (without --kva-shadow only)
  --amd-cpu       an AMD processor: SYSRET as the AMD APM specifies it (a non-canonical RCX
                  faults after the return, at CPL 3; Intel: #GP at CPL 0); CPUID AuthenticAMD
  --sysret-unchecked  KiSystemServiceExit without its canonical check of the saved RIP (the
                  exit before MS12-042)
  --budget <N>    instructions one 'g' may run before kd stops it (default 2000000)
  --history <N>   steps of history kept for time travel (t- p- g- !tt; default 1000000,
                  about 40 bytes each; 0 turns time travel off and runs about 3x faster)
  --bpmap "<Address> [L<N>]"
                  print the breakpoint map (this book's extension, not WinDbg's; same as the
                  command !bpmap): for each instruction from Address to its first call or
                  return, or a jump out of the routine (or N instructions), what 'bp' there then 'g' does on a freshly booted
                  machine with these options and with each option flipped; with --json, as JSON
  -h, --help      show this help

Interactive use: Ctrl+C breaks into a running 'g' (like Ctrl+Break in WinDbg); 'q' quits.

Examples:
  npx kd -c "rdmsr c0000082; u nt!KiSystemCall64 L4; bp nt!KiSystemCall64+0x15; g; r; k; q"
  npx kd --kva-shadow -c "bp nt!KiSystemCall64Shadow; g; .bugcheck; q" --json
  npx kd --bpmap nt!KiSystemCall64
  npx kd -c "bp nt!KiSystemCall64+0x15; g; g; ba w8 @$pcr+10; g-; t-"   # time travel
  npx kd --df-reloads-gs -c "bp nt!KiSystemCall64; g; .bugcheck; k; q"
`;

export interface CliOptions extends KernelOptions {
  commands?: string;
  /** `--bpmap`: where the breakpoint map starts, and its row count. */
  bpmap?: string;
  json: boolean;
  budget?: number;
  history?: number;
  help: boolean;
}

/** Parses the command line; returns an error sentence for bad input. */
export function parseArgs(argv: string[]): CliOptions | { error: string } {
  const o: CliOptions = { json: false, help: false, smep: true, smap: false, kvaShadow: false, dfReloadsGs: false, movSsFix: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case '-h': case '--help': o.help = true; break;
      case '--json': o.json = true; break;
      case '--smap': o.smap = true; break;
      case '--no-smep': o.smep = false; break;
      case '--kva-shadow': o.kvaShadow = true; break;
      case '--df-reloads-gs': o.dfReloadsGs = true; break;
      case '--mov-ss-fix': o.movSsFix = true; break;
      case '--amd-cpu': o.amdCpu = true; break;
      case '--sysret-unchecked': o.sysretUnchecked = true; break;
      case '-c':
        if (i + 1 >= argv.length) return { error: 'kd: -c needs a command string, e.g. -c "r; q"' };
        o.commands = argv[++i];
        break;
      case '--bpmap':
        if (i + 1 >= argv.length || argv[i + 1].startsWith('-')) return { error: 'kd: --bpmap needs an address, e.g. --bpmap nt!KiSystemCall64' };
        o.bpmap = argv[++i];
        break;
      case '--budget': {
        const v = argv[++i];
        if (v === undefined || !/^[0-9]+$/.test(v) || Number(v) < 1 || Number(v) > 1e12) {
          return { error: `kd: --budget needs a positive whole number of instructions (got '${v ?? ''}')` };
        }
        o.budget = Number(v);
        break;
      }
      case '--history': {
        const v = argv[++i];
        if (v === undefined || !/^[0-9]+$/.test(v) || Number(v) > 1e8) {
          return { error: `kd: --history needs a whole number of steps, 0 to 100000000 (got '${v ?? ''}')` };
        }
        o.history = Number(v);
        break;
      }
      default:
        return { error: `kd: unknown option '${a}' (see kd --help)` };
    }
  }
  if (o.bpmap !== undefined && o.commands !== undefined) return { error: 'kd: --bpmap and -c do not go together (run !bpmap among the -c commands instead)' };
  if (o.json && o.commands === undefined && o.bpmap === undefined) return { error: 'kd: --json needs -c "<commands>" or --bpmap' };
  return o;
}


function sessionOptions(o: CliOptions, boot: (k: KernelOptions) => KernelView): KdSessionOptions {
  return { ...pickMachineOptions(o), budget: o.budget, boot, history: o.history ?? DEFAULT_HISTORY };
}

const bigintsAsHex = (_k: string, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v);

function outcomeOf(stop: StopInfo | null): Record<string, unknown> {
  if (!stop) return { kind: 'break', reason: 'initial' };
  switch (stop.kind) {
    case 'break':
      return { kind: 'break', breakpoint: stop.breakpoint, address: addr64(stop.address), symbol: stop.symbol ?? null, code: `0x${stop.code.toString(16)}` };
    case 'step':
      return { kind: 'break', reason: 'step', address: addr64(stop.address), symbol: stop.symbol ?? null };
    case 'break-in':
      return { kind: 'break', reason: 'break-in', address: addr64(stop.address) };
    case 'bugcheck':
      return { kind: 'bugcheck', code: `0x${stop.code.toString(16)}`, args: stop.args.map((a) => `0x${hex16(a)}`) };
    case 'triple-fault':
      return { kind: 'triple-fault' };
    case 'exited':
      return { kind: 'exited', status: stop.status ?? null };
    case 'budget':
      return { kind: 'budget', instructions: stop.instructions };
  }
}

/** Runs `-c` commands: one prompt line per command, like typing them. */
export function runBatch(session: KdSession, commands: string): void {
  for (const { text } of splitCommands(commands)) {
    if (session.ended) break;
    if (text.trim() === '') continue;
    session.exec(text.trim());
  }
}

export function jsonReport(session: KdSession): string {
  const r = session.registerFile();
  const registers = Object.fromEntries(
    Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? (k === 'efl' ? hex16(v).slice(8) : hex16(v)) : v.toString(16).padStart(4, '0')]),
  );
  const machineEvents = session.machine.events?.events ?? [];
  return JSON.stringify(
    {
      transcript: session.transcript(),
      outcome: outcomeOf(session.lastEvent),
      registers,
      stops: session.events,
      events: machineEvents.slice(-500),
    },
    bigintsAsHex,
    2,
  );
}

// --- interactive mode: the session lives in a worker; the main thread owns the terminal ---------

interface WorkerInit { options: CliOptions; flag: SharedArrayBuffer }

async function workerMain(): Promise<void> {
  const { options, flag } = workerData as WorkerInit;
  const interrupt = new Int32Array(flag);
  const boot = bootKernel;
  let session: KdSession;
  try {
    session = new KdSession({ ...sessionOptions(options, boot), interruptRequested: () => Atomics.exchange(interrupt, 0, 0) === 1 });
  } catch (e) {
    parentPort!.postMessage({ fatal: `kd: the target could not be started: ${e instanceof Error ? e.message : String(e)}` });
    return;
  }
  parentPort!.postMessage({ ready: true });
  parentPort!.on('message', (line: string) => {
    Atomics.store(interrupt, 0, 0);
    const r = session.exec(line);
    parentPort!.postMessage({ output: r.output, ended: session.ended });
  });
}

function interactive(options: CliOptions): void {
  const flag = new SharedArrayBuffer(4);
  const interrupt = new Int32Array(flag);
  const worker = new Worker(new URL(import.meta.url), { workerData: { options, flag } satisfies WorkerInit });
  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: PROMPT, historySize: 500, terminal: true });
  let busy = true;
  const pending: string[] = [];
  const send = () => {
    const line = pending.shift();
    if (line === undefined) { busy = false; rl.prompt(); return; }
    busy = true;
    worker.postMessage(line);
  };
  worker.on('message', (msg: { ready?: boolean; output?: string; ended?: boolean; fatal?: string }) => {
    if (msg.fatal) { console.error(msg.fatal); process.exitCode = 1; rl.close(); void worker.terminate(); return; }
    if (msg.ready) { console.log('Kernel Debugger connection established. Type .help for the commands, q to quit.'); send(); return; }
    if (msg.output) console.log(msg.output);
    if (msg.ended) { rl.close(); void worker.terminate(); return; }
    send();
  });
  worker.on('error', (e) => { console.error(`kd: ${e.message}`); process.exitCode = 1; rl.close(); });
  rl.on('line', (line) => {
    pending.push(line);
    if (!busy) send();
  });
  rl.on('SIGINT', () => {
    if (busy) Atomics.store(interrupt, 0, 1);
    else { console.log('\n(the target is already stopped; type q to quit)'); rl.prompt(); }
  });
  rl.on('close', () => { if (!busy) void worker.terminate(); else pending.push('q'); });
}

/** `--bpmap "<Address> [L<N>]"`: the map as text, or as JSON with --json. */
function printBreakpointMap(o: CliOptions): number {
  const m = /^(.*?)(?:\s+l\s*([0-9a-fx`]+)h?)?$/i.exec(o.bpmap!.trim())!;
  const count = m[2] === undefined ? undefined : Number.parseInt(m[2].replace(/^0x/i, '').replace(/`/g, ''), 16);
  if (count !== undefined && !(count >= 1 && count <= 0x100)) {
    console.error(`kd: --bpmap: the row count L${m[2]} should be from 1 to 100 (hex)`);
    return 2;
  }
  try {
    const map = computeBreakpointMap({ start: m[1], count, base: pickMachineOptions(o), budget: o.budget }, bootKernel);
    process.stdout.write(o.json ? `${JSON.stringify(map, null, 2)}\n` : `${formatBreakpointMap(map)}\n`);
    return 0;
  } catch (e) {
    console.error(`kd: --bpmap: ${e instanceof MapRequestError ? e.message : e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

export async function main(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv);
  if ('error' in parsed) {
    console.error(parsed.error);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (parsed.bpmap !== undefined) return printBreakpointMap(parsed);
  if (parsed.commands === undefined && process.stdin.isTTY) {
    interactive(parsed);
    return 0;
  }
  let session: KdSession;
  try {
    session = new KdSession(sessionOptions(parsed, bootKernel));
  } catch (e) {
    console.error(`kd: the target could not be started: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  if (parsed.commands === undefined) {
    // Commands piped in: run them one line at a time, like typing them, and print the transcript.
    const rl = createInterface({ input: process.stdin, terminal: false });
    for await (const line of rl) {
      if (session.ended) break;
      session.exec(line);
    }
    process.stdout.write(session.transcript());
    return 0;
  }
  runBatch(session, parsed.commands);
  process.stdout.write(parsed.json ? `${jsonReport(session)}\n` : session.transcript());
  return 0;
}

if (!isMainThread && (workerData as WorkerInit | undefined)?.flag) {
  void workerMain();
}
