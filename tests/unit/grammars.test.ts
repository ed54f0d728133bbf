// The book's Shiki grammars (src/grammars): structure of the TextMate JSON, the scopes of real
// WinDbg / kd lines token by token, and the colours those scopes get in the site's themes.
// Line formats follow Microsoft's debugger reference ("u", "r", "bp", "rdmsr", bug check
// reports) as quoted in the chapter sources; the expected scopes are the grammars' design.
import { describe, expect, it } from 'vitest';
import { createHighlighter, type HighlighterGeneric } from 'shiki';
import { createOnigurumaEngine } from 'shiki/engine/oniguruma';
import { createJavaScriptRegexEngine } from 'shiki/engine/javascript';
import x86asmJson from '../../src/grammars/x86asm-windbg.tmLanguage.json' with { type: 'json' };
import kdJson from '../../src/grammars/kd-transcript.tmLanguage.json' with { type: 'json' };
import { bookLanguages, grammarRegistration, kdTranscript, x86asmWindbg } from '../../src/grammars/index.ts';
import { CC_ALIASES, CC_NAMES, OPCODES } from '../../emulator/src/cpu/opcodes.ts';
import { GPR_NAMES, HIGH8_NAMES } from '../../emulator/src/cpu/registers-names.ts';

const THEME_PAIRS = [
  ['github-light', 'github-dark'],
  ['github-light-high-contrast', 'github-dark-high-contrast'],
] as const;
const THEMES = THEME_PAIRS.flat();

// Language and theme names are plain strings here: ours are not in Shiki's bundled-name types.
type Highlighter = HighlighterGeneric<string, string>;
let cached: Promise<Highlighter> | undefined;
function highlighter(): Promise<Highlighter> {
  cached ??= createHighlighter({ langs: bookLanguages, themes: [...THEMES] }) as Promise<Highlighter>;
  return cached;
}

interface ScopedToken {
  text: string;
  /** Scopes from outermost to innermost, without the grammar's root scope. */
  scopes: string[];
}

/** Every grammar token of every line, with its scopes (Shiki's token explanation). */
async function tokenize(code: string, lang: string, h?: Highlighter): Promise<ScopedToken[][]> {
  const hl = h ?? (await highlighter());
  const lines = hl.codeToTokensBase(code, { lang, theme: 'github-light', includeExplanation: 'scopeName' });
  return lines.map((line) =>
    line.flatMap((t) => (t.explanation ?? []).map((e) => ({ text: e.content, scopes: e.scopes.map((s) => s.scopeName).slice(1) }))),
  );
}

const SUFFIX = /\.(?:x86asm-windbg|windbg)$/;
/** Innermost scope of each non-blank token, without the language suffix; '' when it has none. */
function inner(line: ScopedToken[]): [string, string][] {
  return line
    .filter((t) => t.text.trim() !== '')
    .map((t) => [t.text.trim(), (t.scopes.at(-1) ?? '').replace(SUFFIX, '')]);
}

async function innerOf(code: string, lang: string): Promise<[string, string][]> {
  const lines = await tokenize(code, lang);
  expect(lines).toHaveLength(1);
  return inner(lines[0]);
}

describe('grammar files', () => {
  // Importing the files as JSON modules is itself the parse check.
  const grammars = [
    { file: 'x86asm-windbg.tmLanguage.json', json: x86asmJson as Record<string, any> },
    { file: 'kd-transcript.tmLanguage.json', json: kdJson as Record<string, any> },
  ];
  const byScope = new Map(grammars.map((g) => [g.json.scopeName as string, g.json]));

  it('are TextMate grammars with a name, a scope, top-level patterns and a repository', () => {
    for (const { file, json } of grammars) {
      expect(typeof json.name, file).toBe('string');
      expect(json.scopeName, file).toMatch(/^source\.[a-z0-9-]+$/);
      expect(Array.isArray(json.patterns), file).toBe(true);
      expect(typeof json.repository, file).toBe('object');
    }
    expect(x86asmWindbg.scopeName).toBe('source.x86asm-windbg');
    expect(kdTranscript.name).toBe('windbg');
    expect(kdTranscript.aliases).toContain('kd');
  });

  /** Calls visit(rule, path) for every rule object reachable in a grammar's JSON. */
  function walk(node: unknown, path: string, visit: (rule: Record<string, any>, path: string) => void) {
    if (Array.isArray(node)) node.forEach((n, i) => walk(n, `${path}[${i}]`, visit));
    else if (node && typeof node === 'object') {
      visit(node as Record<string, any>, path);
      for (const [k, v] of Object.entries(node)) walk(v, `${path}.${k}`, visit);
    }
  }

  it('resolve every include, and every repository rule is used', () => {
    const used = new Set<string>();
    for (const { file, json } of grammars) {
      walk(json, file, (rule, path) => {
        if (typeof rule.include !== 'string') return;
        const inc: string = rule.include;
        if (inc === '$self' || inc === '$base') return;
        const [scope, name] = inc.startsWith('#') ? [json.scopeName, inc.slice(1)] : inc.split('#');
        const target = byScope.get(scope);
        expect(target, `${path}: include "${inc}" names an unknown grammar`).toBeDefined();
        if (name !== undefined) {
          expect(target!.repository[name], `${path}: include "${inc}" names no repository rule`).toBeDefined();
          used.add(`${scope}#${name}`);
        }
      });
    }
    for (const { json } of grammars) {
      for (const name of Object.keys(json.repository)) {
        expect(used.has(`${json.scopeName}#${name}`), `${json.scopeName}#${name} is never included`).toBe(true);
      }
    }
  });

  it('have regular expressions that compile with both Shiki engines (Oniguruma for the build, JavaScript for edge runtimes)', async () => {
    const engines = [
      ['oniguruma', await createOnigurumaEngine(import('shiki/wasm'))],
      ['javascript', createJavaScriptRegexEngine()],
    ] as const;
    let count = 0;
    for (const { file, json } of grammars) {
      walk(json, file, (rule, path) => {
        for (const key of ['match', 'begin', 'end', 'while'] as const) {
          if (typeof rule[key] !== 'string') continue;
          count++;
          for (const [engineName, engine] of engines) {
            expect(() => engine.createScanner([rule[key]]), `${path}.${key} under ${engineName}`).not.toThrow();
          }
        }
      });
    }
    expect(count).toBeGreaterThan(40);
  });

  it('name the file and the field when a grammar is malformed', () => {
    expect(() => grammarRegistration('broken.json', { scopeName: 'source.x', patterns: [] }, {})).toThrow(
      'src/grammars/broken.json: the grammar needs a non-empty "name" string',
    );
    expect(() => grammarRegistration('broken.json', { name: 'x', scopeName: 'source.x' }, {})).toThrow(
      'src/grammars/broken.json: the grammar needs a "patterns" array',
    );
  });
});

describe('x86asm-windbg', () => {
  it('scopes a u-listing line: address, bytes, mnemonic, size keyword, segment, number, register', async () => {
    expect(await innerOf('fffff803`12345683 654889242510000000 mov   qword ptr gs:[10h],rsp', 'x86asm-windbg')).toEqual([
      ['fffff803`12345683', 'constant.numeric.address'],
      ['654889242510000000', 'string.other.bytes'],
      ['mov', 'keyword.other.mnemonic'],
      ['qword ptr', 'support.type.size'],
      ['gs', 'variable.register.segment'],
      [':', 'punctuation.separator.segment'],
      ['[', 'punctuation.definition.memory.begin'],
      ['10h', 'constant.numeric.hex'],
      [']', 'punctuation.definition.memory.end'],
      [',', 'punctuation.separator.operand'],
      ['rsp', 'variable.register'],
    ]);
  });

  it('reads WinDbg numbers: 2Bh, 0FFFh, 1A8h, bare decimal digits, 0x2b, and backtick addresses', async () => {
    const numbers = await tokenize(
      ['push    2Bh', 'and     eax,0FFFh', 'mov     rsp,qword ptr gs:[1A8h]', 'sub     rsp,8', 'mov     rax,0x2b', 'mov     rax,0FFFFF80312345680h'].join('\n'),
      'x86asm-windbg',
    );
    const scopeOf = (line: number, text: string) => inner(numbers[line]).find(([t]) => t === text)?.[1];
    expect(scopeOf(0, '2Bh')).toBe('constant.numeric.hex');
    expect(scopeOf(1, '0FFFh')).toBe('constant.numeric.hex');
    expect(scopeOf(2, '1A8h')).toBe('constant.numeric.hex');
    expect(scopeOf(3, '8')).toBe('constant.numeric.decimal');
    expect(scopeOf(4, '0x2b')).toBe('constant.numeric.hex');
    expect(scopeOf(5, '0FFFFF80312345680h')).toBe('constant.numeric.hex');
  });

  it('scopes symbols with offsets and the resolved address of a branch target', async () => {
    expect(await innerOf('call    nt!KiSystemServiceStart+0x15 (fffff803`1234a000)', 'x86asm-windbg')).toEqual([
      ['call', 'keyword.control.mnemonic'],
      ['nt', 'entity.name.namespace.module'],
      ['!', 'punctuation.separator.module'],
      ['KiSystemServiceStart', 'entity.name.function'],
      ['+', 'keyword.operator.arithmetic'],
      ['0x15', 'constant.numeric.hex'],
      ['(', 'punctuation.definition.address.begin'],
      ['fffff803`1234a000', 'constant.numeric.address'],
      [')', 'punctuation.definition.address.end'],
    ]);
    expect(await innerOf('lea     r10,[nt!KeServiceDescriptorTable (fffff803`12a01880)]', 'x86asm-windbg')).toContainEqual([
      'KeServiceDescriptorTable',
      'entity.name.function',
    ]);
  });

  it('scopes the symbol header of a listing', async () => {
    expect(await innerOf('nt!KiSystemCall64+0x15:', 'x86asm-windbg')).toEqual([
      ['nt', 'entity.name.namespace.module'],
      ['!', 'punctuation.separator.module'],
      ['KiSystemCall64', 'entity.name.function'],
      ['+', 'keyword.operator.arithmetic'],
      ['0x15', 'constant.numeric.hex'],
      [':', 'punctuation.separator.label'],
    ]);
  });

  it('scopes the system instructions of the syscall path and string instructions with rep', async () => {
    const lines = await tokenize(['swapgs', 'sysretq', 'iretq', 'rdmsr', 'wrmsr', 'syscall', 'rep movs byte ptr [rdi],byte ptr [rsi]', 'lock cmpxchg qword ptr [rcx],rdx'].join('\n'), 'x86asm-windbg');
    expect(lines.map((l) => inner(l)[0])).toEqual([
      ['swapgs', 'keyword.other.mnemonic'],
      ['sysretq', 'keyword.control.mnemonic'],
      ['iretq', 'keyword.control.mnemonic'],
      ['rdmsr', 'keyword.other.mnemonic'],
      ['wrmsr', 'keyword.other.mnemonic'],
      ['syscall', 'keyword.control.mnemonic'],
      ['rep', 'storage.modifier.prefix'],
      ['lock', 'storage.modifier.prefix'],
    ]);
    expect(inner(lines[6])[1]).toEqual(['movs', 'keyword.other.mnemonic']);
    expect(inner(lines[7])[1]).toEqual(['cmpxchg', 'keyword.other.mnemonic']);
  });

  it('scopes every register class: GPRs of all widths, segment, control, debug, rip', async () => {
    const names = [
      ...Object.values(GPR_NAMES).flat(), ...HIGH8_NAMES, 'r8l', 'r15l',
      'cs', 'ds', 'es', 'fs', 'gs', 'ss', 'cr0', 'cr2', 'cr3', 'cr4', 'cr8', 'dr0', 'dr6', 'dr7', 'rip', 'xmm0', 'xmm15',
    ];
    const lines = await tokenize(names.map((n) => `mov     ${n},${n}`).join('\n'), 'x86asm-windbg');
    names.forEach((n, i) => {
      const regs = inner(lines[i]).filter(([t]) => t === n);
      expect(regs, n).toHaveLength(2);
      for (const [, scope] of regs) expect(scope, n).toMatch(/^variable\.register(\.segment)?$/);
    });
  });

  it('highlights every mnemonic the emulator\'s opcode table prints or its assembler accepts', async () => {
    const mnemonics = new Set<string>();
    for (const row of OPCODES) {
      if (row.mnemonicBySize) Object.values(row.mnemonicBySize).forEach((m) => m && mnemonics.add(m));
      if (row.plusCC) for (const cc of [...CC_NAMES, ...Object.keys(CC_ALIASES)]) mnemonics.add(row.mnemonic.replace('*', cc));
      else mnemonics.add(row.mnemonic);
    }
    expect(mnemonics.size).toBeGreaterThan(100);
    const list = [...mnemonics];
    const lines = await tokenize(list.join('\n'), 'x86asm-windbg');
    list.forEach((m, i) => expect(inner(lines[i]), m).toEqual([[m, expect.stringMatching(/^keyword\.(control|other)\.mnemonic$/)]]));
  });

  it('scopes source for the book\'s assembler: labels, db with strings, comments', async () => {
    const lines = await tokenize(["entry:  mov     rax,0x2b    ; user data selector", "msg:    db      'kd',0Ah,0"].join('\n'), 'x86asm-windbg');
    expect(inner(lines[0])).toEqual([
      ['entry', 'entity.name.label'],
      [':', 'punctuation.separator.label'],
      ['mov', 'keyword.other.mnemonic'],
      ['rax', 'variable.register'],
      [',', 'punctuation.separator.operand'],
      ['0x2b', 'constant.numeric.hex'],
      [';', 'punctuation.definition.comment'],
      ['user data selector', 'comment.line.semicolon'],
    ]);
    expect(inner(lines[1])).toEqual([
      ['msg', 'entity.name.label'],
      [':', 'punctuation.separator.label'],
      ['db', 'keyword.other.directive'],
      ["'kd'", 'string.quoted.single'],
      [',', 'punctuation.separator.operand'],
      ['0Ah', 'constant.numeric.hex'],
      [',', 'punctuation.separator.operand'],
      ['0', 'constant.numeric.decimal'],
    ]);
  });

  it('scopes the offset-column listing the chapter uses, and an unreadable address', async () => {
    expect(await innerOf('+15h  6a2b                push    2Bh                   ; a breakpoint here is safe', 'x86asm-windbg')).toEqual([
      ['+15h', 'constant.numeric.offset'],
      ['6a2b', 'string.other.bytes'],
      ['push', 'keyword.other.mnemonic'],
      ['2Bh', 'constant.numeric.hex'],
      [';', 'punctuation.definition.comment'],
      ['a breakpoint here is safe', 'comment.line.semicolon'],
    ]);
    expect(await innerOf('fffff803`00001000 ??              ???', 'x86asm-windbg')).toEqual([
      ['fffff803`00001000', 'constant.numeric.address'],
      ['??', 'string.other.bytes'],
      ['???', 'invalid.illegal.unreadable'],
    ]);
  });

  it('keeps each listing line to itself (no state leaks into the next line)', async () => {
    const lines = await tokenize('fffff803`12345695 6a2b            push    2Bh\nThis line is plain text', 'x86asm-windbg');
    expect(lines[1].every((t) => t.scopes.length === 0)).toBe(true);
  });

  it('gives plain prose no scopes, even when it names instructions and registers', async () => {
    const prose = 'The kernel reads the LSTAR MSR with rdmsr and then loads rsp from the processor block.';
    for (const lang of ['x86asm-windbg', 'windbg']) {
      const lines = await tokenize(prose, lang);
      expect(lines[0].filter((t) => t.scopes.length > 0), lang).toEqual([]);
    }
  });
});

describe('windbg (kd transcripts)', () => {
  it('scopes the prompt, the command, the symbol and the offset of a bp command', async () => {
    expect(await innerOf('0: kd> bp nt!KiSystemCall64+0x15', 'kd')).toEqual([
      ['0: kd>', 'markup.heading.prompt'],
      ['bp', 'keyword.control.command'],
      ['nt', 'entity.name.namespace.module'],
      ['!', 'punctuation.separator.module'],
      ['KiSystemCall64', 'entity.name.function'],
      ['+', 'keyword.operator.arithmetic'],
      ['0x15', 'constant.numeric.hex'],
    ]);
    expect((await innerOf('kd> g', 'kd'))).toEqual([
      ['kd>', 'markup.heading.prompt'],
      ['g', 'keyword.control.command'],
    ]);
  });

  it('reads command arguments as MASM expressions (default radix 16, @registers, L counts)', async () => {
    expect(await innerOf('0: kd> rdmsr c0000082', 'kd')).toEqual([
      ['0: kd>', 'markup.heading.prompt'],
      ['rdmsr', 'keyword.control.command'],
      ['c0000082', 'constant.numeric.hex'],
    ]);
    expect(await innerOf('0: kd> dq @rsp L2; ? poi(@rsp)', 'kd')).toEqual([
      ['0: kd>', 'markup.heading.prompt'],
      ['dq', 'keyword.control.command'],
      ['@', 'punctuation.definition.register'],
      ['rsp', 'variable.register'],
      ['L', 'keyword.operator.length'],
      ['2', 'constant.numeric.hex'],
      [';', 'punctuation.separator.command'],
      ['?', 'keyword.control.command'],
      ['poi', 'support.function'],
      ['(', 'meta.command'],
      ['@', 'punctuation.definition.register'],
      ['rsp', 'variable.register'],
      [')', 'meta.command'],
    ]);
    expect(await innerOf('0: kd> r rip=nt!KiSystemCall64+0x15; r zf', 'kd')).toEqual([
      ['0: kd>', 'markup.heading.prompt'],
      ['r', 'keyword.control.command'],
      ['rip', 'variable.register'],
      ['=', 'keyword.operator.assignment'],
      ['nt', 'entity.name.namespace.module'],
      ['!', 'punctuation.separator.module'],
      ['KiSystemCall64', 'entity.name.function'],
      ['+', 'keyword.operator.arithmetic'],
      ['0x15', 'constant.numeric.hex'],
      [';', 'punctuation.separator.command'],
      ['r', 'keyword.control.command'],
      ['zf', 'variable.register.flag'],
    ]);
    expect(await innerOf('0: kd> * the rest of the line is a comment', 'kd')).toEqual([
      ['0: kd>', 'markup.heading.prompt'],
      ['* the rest of the line is a comment', 'comment.line.asterisk'],
    ]);
    expect(await innerOf('0: kd> !analyze -v', 'kd')).toEqual([
      ['0: kd>', 'markup.heading.prompt'],
      ['!analyze', 'keyword.control.command'],
      ['-v', 'constant.other.option'],
    ]);
  });

  it('leaves a command the debugger does not know unscoped', async () => {
    expect(await innerOf('0: kd> hello', 'kd')).toEqual([
      ['0: kd>', 'markup.heading.prompt'],
      ['hello', 'meta.command-line'],
    ]);
  });

  it('scopes a breakpoint hit: the event, the symbol line, the disassembly line through the asm grammar', async () => {
    const lines = await tokenize(['Breakpoint 0 hit', 'nt!KiSystemCall64+0x15:', 'fffff803`12345695 6a2b            push    2Bh'].join('\n'), 'kd');
    expect(inner(lines[0])).toEqual([
      ['Breakpoint', 'markup.heading.event'],
      ['0', 'constant.numeric.decimal'],
      ['hit', 'markup.heading.event'],
    ]);
    expect(inner(lines[1])).toEqual([
      ['nt', 'entity.name.namespace.module'],
      ['!', 'punctuation.separator.module'],
      ['KiSystemCall64', 'entity.name.function'],
      ['+', 'keyword.operator.arithmetic'],
      ['0x15', 'constant.numeric.hex'],
      [':', 'punctuation.separator.label'],
    ]);
    expect(lines[2].filter((t) => t.text.trim()).map((t) => [t.text, t.scopes.join(' ')])).toEqual([
      ['fffff803`12345695', 'meta.disassembly-line.windbg constant.numeric.address.windbg'],
      ['6a2b', 'meta.disassembly-line.windbg string.other.bytes.windbg'],
      ['push', 'meta.disassembly-line.windbg meta.instruction.x86asm-windbg keyword.other.mnemonic.x86asm-windbg'],
      ['2Bh', 'meta.disassembly-line.windbg meta.instruction.x86asm-windbg constant.numeric.hex.x86asm-windbg'],
    ]);
  });

  it('scopes a long disassembly line, a selector-prefixed one, and a memory annotation', async () => {
    expect(await innerOf('fffff803`12345683 654889242510000000 mov   qword ptr gs:[10h],rsp', 'kd')).toEqual([
      ['fffff803`12345683', 'constant.numeric.address'],
      ['654889242510000000', 'string.other.bytes'],
      ['mov', 'keyword.other.mnemonic'],
      ['qword ptr', 'support.type.size'],
      ['gs', 'variable.register.segment'],
      [':', 'punctuation.separator.segment'],
      ['[', 'punctuation.definition.memory.begin'],
      ['10h', 'constant.numeric.hex'],
      [']', 'punctuation.definition.memory.end'],
      [',', 'punctuation.separator.operand'],
      ['rsp', 'variable.register'],
    ]);
    const selector = await innerOf('0010:fffff805`725028b4 b8280400c0      mov     eax,0C0000428h', 'kd');
    expect(selector.slice(0, 4)).toEqual([
      ['0010', 'constant.numeric.hex.selector'],
      [':', 'punctuation.separator.selector'],
      ['fffff805`725028b4', 'constant.numeric.address'],
      ['b8280400c0', 'string.other.bytes'],
    ]);
    const annotated = await innerOf('fffff803`1234a1c4 488b01          mov     rax,qword ptr [rcx] ds:002b:ffffb10a`12345090=????????????????', 'kd');
    expect(annotated.slice(-7)).toEqual([
      ['ds', 'variable.register.segment'],
      [':', 'punctuation.separator.segment'],
      ['002b', 'constant.numeric.hex.selector'],
      [':', 'punctuation.separator.selector'],
      ['ffffb10a`12345090', 'constant.numeric.address'],
      ['=', 'keyword.operator.assignment'],
      ['????????????????', 'comment.unreadable'],
    ]);
  });

  it('tells a disassembly line from a memory dump (two spaces after the address)', async () => {
    const lines = await tokenize(
      ['ffffb10a`12345000  fffff803`12345680 00000000`00000000', 'fffff803`12a01840  4b 44 42 47 00 00 00 00-00 01 02 03 41 42 43 0a  KDBG........ABC.'].join('\n'),
      'kd',
    );
    expect(inner(lines[0])).toEqual([
      ['ffffb10a`12345000', 'constant.numeric.address'],
      ['fffff803`12345680', 'constant.numeric.address'],
      ['00000000`00000000', 'constant.numeric.address'],
    ]);
    const db = inner(lines[1]);
    expect(db[0]).toEqual(['fffff803`12a01840', 'constant.numeric.address']);
    expect(db.filter(([, s]) => s === 'constant.numeric.hex')).toHaveLength(16);
    expect(db.at(-1)).toEqual(['KDBG........ABC.', 'string.unquoted.ascii']);
    expect(lines.flat().some((t) => t.scopes.some((s) => s.startsWith('keyword')))).toBe(false);
  });

  it('scopes an r register dump: names, values, iopl and the flag mnemonics, segments and efl', async () => {
    const dump = [
      'rax=0000000000000000 rbx=ffffb10a12345080 rcx=0000000000000001',
      ' r8=0000000000000000  r9=0000000000000000 r10=0000000000000000',
      'iopl=0         nv up ei pl zr na po nc',
      'cs=0010  ss=0018  ds=002b  es=002b  fs=0053  gs=002b             efl=00000246',
    ].join('\n');
    const lines = (await tokenize(dump, 'kd')).map(inner);
    expect(lines[0]).toEqual([
      ['rax', 'variable.register'], ['=', 'punctuation.separator.key-value'], ['0000000000000000', 'constant.numeric.hex'],
      ['rbx', 'variable.register'], ['=', 'punctuation.separator.key-value'], ['ffffb10a12345080', 'constant.numeric.hex'],
      ['rcx', 'variable.register'], ['=', 'punctuation.separator.key-value'], ['0000000000000001', 'constant.numeric.hex'],
    ]);
    expect(lines[1].filter(([, s]) => s === 'variable.register').map(([t]) => t)).toEqual(['r8', 'r9', 'r10']);
    expect(lines[2]).toEqual([
      ['iopl', 'variable.register'], ['=', 'punctuation.separator.key-value'], ['0', 'constant.numeric.decimal'],
      ...['nv', 'up', 'ei', 'pl', 'zr', 'na', 'po', 'nc'].map((f) => [f, 'constant.language.flag']),
    ]);
    expect(lines[3].filter(([, s]) => s === 'variable.register').map(([t]) => t)).toEqual(['cs', 'ss', 'ds', 'es', 'fs', 'gs', 'efl']);
    expect(lines[3].at(-1)).toEqual(['00000246', 'constant.numeric.hex']);
  });

  it('scopes rdmsr output', async () => {
    expect(await innerOf('msr[c0000082] = fffff803`12345680', 'kd')).toEqual([
      ['msr', 'variable.register.msr'],
      ['[', 'punctuation.definition.msr.begin'],
      ['c0000082', 'constant.numeric.hex'],
      [']', 'punctuation.definition.msr.end'],
      ['=', 'keyword.operator.assignment'],
      ['fffff803`12345680', 'constant.numeric.address'],
    ]);
  });

  it('scopes the bug check banner and the !analyze summary', async () => {
    const report = [
      '*** Fatal System Error: 0x0000007f',
      '                       (0x0000000000000008,0xFFFFB10A1F2E3010,0xFFFFF68812346000,0xFFFFF8031234A1C4)',
      'Break instruction exception - code 80000003 (first chance)',
      'A fatal system error has occurred.',
      'BugCheck 7F, {8, ffffb10a1f2e3010, fffff68812346000, fffff8031234a1c4}',
      'UNEXPECTED_KERNEL_MODE_TRAP (7f)',
      'Arg1: 0000000000000008, EXCEPTION_DOUBLE_FAULT',
      'Bugcheck code 0000007F',
      '*                        Bugcheck Analysis                                    *',
    ].join('\n');
    const lines = (await tokenize(report, 'kd')).map(inner);
    expect(lines[0]).toEqual([
      ['*** Fatal System Error:', 'invalid.illegal.bugcheck'],
      ['0x0000007f', 'constant.numeric.hex'],
    ]);
    expect(lines[1].filter(([, s]) => s === 'constant.numeric.hex')).toHaveLength(4);
    expect(lines[2]).toEqual([
      ['Break instruction exception - code', 'markup.heading.event'],
      ['80000003', 'constant.numeric.hex'],
      ['(first chance)', 'comment.chance'],
    ]);
    expect(lines[3]).toEqual([['A fatal system error has occurred.', 'invalid.illegal.bugcheck']]);
    expect(lines[4].slice(0, 4)).toEqual([
      ['BugCheck', 'invalid.illegal.bugcheck'],
      ['7F', 'constant.numeric.hex'],
      [',', 'punctuation.separator'],
      ['{', 'punctuation.definition.arguments.begin'],
    ]);
    expect(lines[4].filter(([, s]) => s === 'constant.numeric.hex').map(([t]) => t)).toEqual([
      '7F', '8', 'ffffb10a1f2e3010', 'fffff68812346000', 'fffff8031234a1c4',
    ]);
    expect(lines[5][0]).toEqual(['UNEXPECTED_KERNEL_MODE_TRAP', 'invalid.illegal.bugcheck']);
    expect(lines[6]).toEqual([
      ['Arg1', 'variable.parameter.argument'],
      [':', 'meta.bugcheck.argument'],
      ['0000000000000008', 'constant.numeric.hex'],
      [',', 'meta.bugcheck.argument'],
      ['EXCEPTION_DOUBLE_FAULT', 'constant.other.meaning'],
    ]);
    expect(lines[7]).toEqual([['Bugcheck code', 'invalid.illegal.bugcheck'], ['0000007F', 'constant.numeric.hex']]);
    expect(lines[8]).toContainEqual(['Bugcheck Analysis', 'markup.heading.banner']);
  });

  it('scopes error messages and keeps the quoted command a string', async () => {
    const lines = (await tokenize(
      [
        "       ^ Syntax error in 'hello'",
        "Couldn't resolve error at 'nt!KiSystemCal64'",
        "Bad register error at '@foo'",
        'Unable to insert breakpoint 0 at fffff803`00001000, Win32 error 0n998',
        "Bp expression 'nt!NoSuchSym' could not be resolved, adding deferred bp",
      ].join('\n'),
      'kd',
    )).map(inner);
    expect(lines[0]).toEqual([
      ['^', 'keyword.operator.caret'],
      ['Syntax error in', 'invalid.illegal.error'],
      ["'hello'", 'string.quoted.single'],
    ]);
    expect(lines[1]).toEqual([
      ["Couldn't resolve error at", 'invalid.illegal.error'],
      ["'nt!KiSystemCal64'", 'string.quoted.single'],
    ]);
    expect(lines[2][0]).toEqual(['Bad register error at', 'invalid.illegal.error']);
    expect(lines[3]).toContainEqual(['fffff803`00001000', 'constant.numeric.address']);
    expect(lines[3][0]).toEqual(['Unable to insert breakpoint 0 at', 'invalid.illegal.error']);
    expect(lines[4][0]).toEqual(['Bp expression', 'invalid.deprecated.warning']);
  });

  it('highlights a whole u session the same under the JavaScript regex engine as under Oniguruma', async () => {
    const session = [
      '0: kd> u nt!KiSystemCall64 L4',
      'nt!KiSystemCall64:',
      'fffff803`12345680 0f01f8          swapgs',
      'fffff803`12345683 654889242510000000 mov   qword ptr gs:[10h],rsp',
      'fffff803`1234568c 65488b2425a8010000 mov   rsp,qword ptr gs:[1A8h]',
      'fffff803`12345695 6a2b            push    2Bh',
      '0: kd> r rip',
      'rip=fffff80312345695',
    ].join('\n');
    const js = (await createHighlighter({ langs: bookLanguages, themes: ['github-light'], engine: createJavaScriptRegexEngine() })) as Highlighter;
    expect(await tokenize(session, 'windbg', js)).toEqual(await tokenize(session, 'windbg'));
    js.dispose();
  });
});

describe('registration for Astro', () => {
  it('lists the embedded asm grammar before the transcript grammar that includes it', () => {
    expect(bookLanguages.map((l) => l.name)).toEqual(['x86asm-windbg', 'windbg']);
    expect(kdTranscript.embeddedLangs).toEqual(['x86asm-windbg']);
  });

  it('answers to the fence names the chapters use (windbg, kd, x86asm, asm)', async () => {
    const h = await highlighter();
    for (const [lang, scope] of [['windbg', 'source.windbg'], ['kd', 'source.windbg'], ['x86asm', 'source.x86asm-windbg'], ['asm', 'source.x86asm-windbg']]) {
      const [line] = h.codeToTokensBase('push 2Bh', { lang, theme: 'github-light', includeExplanation: 'scopeName' });
      expect(line[0].explanation![0].scopes[0].scopeName, lang).toBe(scope);
    }
  });

  it('renders dual-theme HTML through CSS variables the way the site configures Shiki', async () => {
    const h = await highlighter();
    const html = h.codeToHtml('0: kd> u nt!KiSystemCall64', { lang: 'kd', themes: { light: 'github-light', dark: 'github-dark' }, defaultColor: false });
    expect(html).toContain('--shiki-light:');
    expect(html).toContain('--shiki-dark:');
  });
});

describe('colours in the site themes', () => {
  /** The colour a theme gives the text `text` (Shiki merges neighbours of one colour into a token). */
  async function colourOf(code: string, lang: string, theme: string, text: string): Promise<string> {
    const h = await highlighter();
    const tokens = h.codeToTokensBase(code, { lang, theme }).flat();
    const token = tokens.find((t) => t.content.trim() === text) ?? tokens.find((t) => t.content.includes(text));
    expect(token, `${text} in ${theme}`).toBeDefined();
    return (token!.color ?? '').toLowerCase();
  }

  const asmLine = 'fffff803`12345683 654889242510000000 mov   qword ptr gs:[10h],rsp ; save user rsp';
  const callLine = 'call    nt!KiSystemServiceStart (fffff803`1234a000)';

  for (const theme of THEMES) {
    it(`${theme}: mnemonic, register, number, symbol, bytes and comment each get their own colour`, async () => {
      const h = await highlighter();
      const fg = h.getTheme(theme).fg.toLowerCase();
      const colours = {
        mnemonic: await colourOf(asmLine, 'x86asm-windbg', theme, 'mov'),
        register: await colourOf(asmLine, 'x86asm-windbg', theme, 'rsp'),
        number: await colourOf(asmLine, 'x86asm-windbg', theme, '10h'),
        bytes: await colourOf(asmLine, 'x86asm-windbg', theme, '654889242510000000'),
        comment: await colourOf(asmLine, 'x86asm-windbg', theme, '; save user rsp'),
        symbol: await colourOf(callLine, 'x86asm-windbg', theme, 'KiSystemServiceStart'),
      };
      for (const [kind, colour] of Object.entries(colours)) expect(colour, kind).not.toBe(fg);
      expect(new Set(Object.values(colours)).size).toBe(Object.keys(colours).length);
    });

    it(`${theme}: the kd prompt and the typed command differ; events, errors, bug checks and flags are coloured`, async () => {
      const h = await highlighter();
      const fg = h.getTheme(theme).fg.toLowerCase();
      const prompt = await colourOf('0: kd> g', 'kd', theme, '0: kd>');
      const command = await colourOf('0: kd> g', 'kd', theme, 'g');
      expect(prompt).not.toBe(fg);
      expect(command).not.toBe(fg);
      expect(prompt).not.toBe(command);
      for (const [code, text] of [
        ['Breakpoint 0 hit', 'Breakpoint'],
        ["Couldn't resolve error at 'nt!Foo'", "Couldn't resolve error at"],
        ['*** Fatal System Error: 0x0000007f', '*** Fatal System Error:'],
        ['iopl=0         nv up ei pl zr na po nc', 'nv'],
        ['rax=0000000000000000 rbx=0000000000000000', 'rax'],
      ]) {
        expect(await colourOf(code, 'kd', theme, text), text).not.toBe(fg);
      }
    });
  }
});
