// The one list of kd commands behind a breakpoint lab: each click on a row is a `bp <row>` or a
// `bc <id>`, and Go sends exactly this list, then `g`, to kd on a freshly booted machine. The ids
// come from kd's own breakpoint table (lowest free number, no renumbering on `bc`), fed the same
// commands in the same order, so the echo's `bc` numbers and kd's `Breakpoint N hit` agree.
import { BreakpointTable } from '../../emulator/src/debugger/breakpoints.ts';

export interface LabCommands {
  /** kd input lines, in click order. */
  commands: string[];
  /** Row offset -> kd breakpoint id, for the rows that hold a breakpoint now. */
  ids: Map<number, number>;
}

/** `clicks` are row offsets, each click toggling that row's breakpoint; `labelOf` names a row. */
export function labCommands(clicks: readonly number[], labelOf: (offset: number) => string): LabCommands {
  const table = new BreakpointTable();
  const ids = new Map<number, number>();
  const commands: string[] = [];
  for (const offset of clicks) {
    const id = ids.get(offset);
    if (id !== undefined) {
      table.remove(id);
      ids.delete(offset);
      commands.push(`bc ${id}`);
    } else {
      // The row offset stands in for the address: one row, one address, as kd resolves them.
      ids.set(offset, table.set(labelOf(offset), BigInt(offset)).id);
      commands.push(`bp ${labelOf(offset)}`);
    }
  }
  return { commands, ids };
}
