/**
 * The median of several bench runs, case by case and engine by engine (ratios then taken between
 * the medians), as BENCHMARKS.md reports them:
 *
 *   npx tsx bench/median.ts run1.json run2.json run3.json [> table.md]
 *
 * Writes bench/results/median.json in the same row format as bench/results/latest.json.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { markdownTable, type Row } from './table.ts';

const files = process.argv.slice(2);
if (files.length < 2) throw new Error('usage: npx tsx bench/median.ts a.json b.json [c.json …]');
const runs = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as Row[]);
const out: Row[] = [];
for (const r of runs[0]) {
  const values = runs.map((run) => run.find((x) => x.case === r.case && x.engine === r.engine)?.value).filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  out.push({ ...r, value: values[values.length >> 1] });
}
console.log(`median of ${files.length} runs\n`);
console.log(markdownTable(out));
writeFileSync(new URL('./results/median.json', import.meta.url), JSON.stringify(out, null, 1));
