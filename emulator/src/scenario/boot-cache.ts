// The recycling boot lives with kd (its breakpoint map uses it); scenarios and widgets import it
// from here as before.
export { recyclingBoot } from '../debugger/boot-cache.ts';
