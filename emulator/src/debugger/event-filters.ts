// What kd does when the target reports an exception it did not cause (sx, sxe, sxd, sxn, sxi;
// Microsoft's "sx, sxd, sxe, sxi, sxn, sxr, sx- (Set Exceptions)"). The model's KdTrap reports two
// exceptions: a break instruction (80000003, `bpe`) and a single step (80000004, `sse`). kd's own
// breakpoints and steps always break; an int 3 already in the code, or a trap flag the guest set
// itself, follows the filter:
//   break (sxe)                first chance: break in
//   second-chance break (sxd)  first chance: print the event, continue "not handled"
//   output (sxn)               print the event, continue "not handled"
//   ignore (sxi)               continue "not handled" silently
// "Not handled" is KdTrap returning FALSE: KiDispatchException goes on as without a debugger (a
// kernel-mode exception then bug-checks in the model, which has no exception handlers; a user-mode
// one goes to ntdll!KiUserExceptionDispatcher). The model has no second chance to break on.

export type FilterState = 'break' | 'second-chance break' | 'output' | 'ignore';

export interface EventFilter {
  code: string;
  name: string;
  exception: number;
  state: FilterState;
}

export const BREAK_INSTRUCTION = 0x80000003;
export const SINGLE_STEP_EXCEPTION = 0x80000004;

export class EventFilters {
  readonly list: EventFilter[] = [
    { code: 'bpe', name: 'Break instruction exception', exception: BREAK_INSTRUCTION, state: 'break' },
    { code: 'sse', name: 'Single step exception', exception: SINGLE_STEP_EXCEPTION, state: 'break' },
  ];

  byCode(code: string): EventFilter | undefined {
    return this.list.find((f) => f.code === code.toLowerCase());
  }

  forException(exception: number): EventFilter | undefined {
    return this.list.find((f) => f.exception === exception);
  }

  /** For an exception kd did not cause: null to break in, else the line to print ('' for none)
   *  before the target continues with the exception not handled. */
  decide(exception: number): string | null {
    const f = this.forException(exception);
    if (!f || f.state === 'break') return null;
    if (f.state === 'ignore') return '';
    return `${f.name} - code ${exception.toString(16).padStart(8, '0')} (first chance)`;
  }

  reset(): void {
    for (const f of this.list) f.state = 'break';
  }
}
