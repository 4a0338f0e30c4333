/** The results table of bench/run.ts (and bench/median.ts): one row per case, engines as columns, ratios at the end. */
export interface Row { suite: string; case: string; engine: string; metric: string; value: number; unit: string }

const ORDER = ['js', 'wasm-simd', 'wasm-relaxed-simd', 'tfjs-cpu', 'tfjs-wasm'];
const lowerIsBetter = (unit: string) => unit === 'ms/epoch' || unit === 'ms';

export function markdownTable(rows: Row[]): string {
  const present = new Set(rows.map((r) => r.engine));
  const columns = ORDER.filter((e) => present.has(e));
  const ratios = ([['wasm-simd', 'js'], ['wasm-simd', 'tfjs-wasm'], ['wasm-relaxed-simd', 'tfjs-wasm']] as [string, string][]).filter(([a, b]) => present.has(a) && present.has(b));
  const cells = (values: string[]) => values.map((v) => ` ${v} |`).join(''); // no empty column when a run has no ratios
  const lines = [
    `| case | unit |${cells(columns)}${cells(ratios.map(([a, b]) => `${a} / ${b}`))}`,
    `|---|---|${columns.map(() => '---:|').join('')}${ratios.map(() => '---:|').join('')}`,
  ];
  for (const c of [...new Set(rows.map((r) => r.case))]) {
    const of = (e: string) => rows.find((r) => r.case === c && r.engine === e)?.value;
    const unit = rows.find((r) => r.case === c)!.unit;
    const fmt = (v?: number) => (v === undefined ? '–' : unit === '' ? v.toFixed(3) : Math.abs(v) >= 1000 ? v.toFixed(0).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
      : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));
    const ratio = ([a, b]: [string, string]) => {
      const x = of(a), y = of(b);
      if (x === undefined || y === undefined || unit === '' || unit.startsWith('Δ')) return '–';
      return `${(lowerIsBetter(unit) ? y / x : x / y).toFixed(1)}×`;
    };
    lines.push(`| ${c} | ${unit} |${cells(columns.map((e) => fmt(of(e))))}${cells(ratios.map(ratio))}`);
  }
  return lines.join('\n');
}
