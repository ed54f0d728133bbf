// The chunk a code block (RunBlock) loads when the reader runs or edits it: the CPU's assembler and
// the program runner. Kept out of the emulator chunk, which boots the kernel from its pre-assembled
// image, so pages whose readers never run their own code do not download the assembler.
export { runProgramWith, assembledCode } from '../../emulator/src/scenario/program.ts';
