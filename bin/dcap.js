#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/ (built by `npm run build`, run by npm install/ci).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('dcap: dist/ is missing; run `npm run build` (npm install/ci does it for you).\n');
  process.exit(70);
}
const { main } = await import(entry.href);
const code = await main(process.argv);
// Let stdout drain before exiting, or piped --json output could be cut short.
process.stdout.write('', () => process.exit(code));
