// Rewrites the README's configuration table from core/config.ts's CONFIG_TABLE
// (run after `tsc -b`: node scripts/readme-config-table.mjs). A test checks the two agree.
import { readFileSync, writeFileSync } from 'node:fs';
const { CONFIG_TABLE } = await import('../dist/core/config.js');
const url = new URL('../README.md', import.meta.url);
const lines = readFileSync(url, 'utf8').split('\n');
const start = lines.findIndex((l) => l.startsWith('| variable | default | meaning |'));
if (start < 0) throw new Error('README has no configuration table');
let end = start + 2;
while (end < lines.length && lines[end].startsWith('|')) end++;
const cell = (v) => (v === undefined ? '(unset)' : `\`${v}\``);
const rows = CONFIG_TABLE.map((e) => `| \`${e.env}\` | ${cell(e.default(2))} | ${e.doc.replaceAll('|', '\\|')} |`);
lines.splice(start + 2, end - start - 2, ...rows);
writeFileSync(url, lines.join('\n'));
console.log(`README: ${rows.length} configuration rows`);
