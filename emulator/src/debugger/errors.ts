// The two shapes of kd error output. A caret error points into the echoed command line
// (`       ^ Syntax error in 'hello'`); a plain error is one line (`Couldn't resolve error at
// 'nt!Foo'`, `Bad register error at '@foo'`). Commands throw these; the session prints them.

export class CaretError extends Error {
  /** Column in the command text (not counting the prompt) under which the caret goes. */
  readonly column: number;
  /** `Syntax error`, `Memory access error`, `Range error`... */
  readonly kind: string;
  constructor(kind: string, column: number) {
    super(kind);
    this.kind = kind;
    this.column = column;
  }
}

export class PlainError extends Error {}

/** `.break` / `.continue` inside a `.for` / `.while` body: unwinds to the loop (never printed). */
export class LoopSignal extends Error {
  readonly kind: 'break' | 'continue';
  constructor(kind: 'break' | 'continue') {
    super(`.${kind} outside a loop`);
    this.kind = kind;
  }
}
