// Splitting an input line into commands. `;` separates commands ("Command Tokens" in Microsoft's
// debugger reference: `;` ends a command), except inside double quotes, inside braces (the body of
// `.if`, `.for`, `.while`, `.block` keeps its own `;`) and inside parentheses (`.for (r $t0=0;
// @$t0<3; r $t0=@$t0+1)`).

export function splitCommands(line: string): Array<{ text: string; offset: number }> {
  const parts: Array<{ text: string; offset: number }> = [];
  let start = 0;
  let quoted = false;
  let depth = 0;
  for (let i = 0; i <= line.length; i++) {
    const c = line[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '{' || c === '(')) depth++;
    else if (!quoted && (c === '}' || c === ')') && depth > 0) depth--;
    // `j Expression Command1 ; Command2` owns the rest of the line, semicolons included.
    if (i === start && /^\s*j\s/i.test(line.slice(start))) {
      parts.push({ text: line.slice(start), offset: start });
      return parts;
    }
    if (i === line.length || (c === ';' && !quoted && depth === 0)) {
      parts.push({ text: line.slice(start, i), offset: start });
      start = i + 1;
    }
  }
  return parts;
}

/** The text of a balanced `{ ... }` (or `( ... )`) group that starts at `open` in `text`, and the
 *  index just past its closing brace; undefined when it is not closed. */
export function group(text: string, open: number): { inner: string; innerOffset: number; end: number } | undefined {
  const o = text[open];
  const close = o === '{' ? '}' : o === '(' ? ')' : undefined;
  if (!close) return undefined;
  let depth = 0;
  let quoted = false;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    if (quoted) continue;
    if (c === o) depth++;
    else if (c === close && --depth === 0) return { inner: text.slice(open + 1, i), innerOffset: open + 1, end: i + 1 };
  }
  return undefined;
}
