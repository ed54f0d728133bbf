#!/usr/bin/env node
// `kd`: the book's kd-style debugger in a terminal. The implementation is TypeScript that Node 22
// runs directly (type stripping); see emulator/src/debugger/cli.ts.
import { main } from '../src/debugger/cli.ts';

process.exitCode = await main(process.argv.slice(2));
