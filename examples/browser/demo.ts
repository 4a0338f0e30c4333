/**
 * The demo page: controls, pictures and numbers. All training happens in worker.ts; this side
 * only draws what the worker reports, so the page never waits on an epoch.
 */
import { DEFAULTS, EXTENT, GRID, type Hyperparameters } from './spiral.ts';
import type { EpochPoint, FromWorker, ToWorker } from './protocol.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

// the sliders step through these values (log-like scales read better than linear ones)
const SCALES = {
  hidden: [8, 16, 32, 64, 128, 256, 512],
  l2: [0, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3],
  lr: [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2],
};
/** class colours, as RGB */
const CLASS_RGB = [[228, 87, 46], [23, 163, 95], [46, 120, 222]];

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const send = (message: ToWorker, transfer: Transferable[] = []) => worker.postMessage(message, transfer);

/** what the page shows, also read by the browser tests */
const state = {
  params: DEFAULTS,
  variant: '',
  running: false,
  epoch: 0,
  train: [] as EpochPoint[],
  validation: [] as (EpochPoint & { valLoss: number; valAccuracy: number })[],
  points: { X: new Float32Array() as Float32Array, y: new Int32Array() as Int32Array },
  regions: new Float32Array() as Float32Array,
  speed: undefined as undefined | { js: number; wasm: number },
};
Object.assign(globalThis, { demo: state });

// ---- controls ----------------------------------------------------------------------------------

const slider = (id: keyof typeof SCALES | 'dropout') => $<HTMLInputElement>(id);
const fmtNumber = (v: number) => (v === 0 ? '0' : v < 0.001 ? v.toExponential(0) : String(v));

function readControls(): Hyperparameters {
  return {
    hidden: SCALES.hidden[Number(slider('hidden').value)],
    dropout: Number(slider('dropout').value),
    l2: SCALES.l2[Number(slider('l2').value)],
    learningRate: SCALES.lr[Number(slider('lr').value)],
    backend: (document.querySelector('input[name=backend]:checked') as HTMLInputElement).value as Hyperparameters['backend'],
    seed: Math.max(0, Math.floor(Number($<HTMLInputElement>('seed').value) || 0)),
    epochs: Math.max(1, Math.floor(Number($<HTMLInputElement>('epochs').value) || DEFAULTS.epochs)),
  };
}

function showControls(p: Hyperparameters): void {
  const nearest = (scale: number[], v: number) => scale.reduce((best, s, i) => (Math.abs(s - v) < Math.abs(scale[best] - v) ? i : best), 0);
  slider('hidden').value = String(nearest(SCALES.hidden, p.hidden));
  slider('dropout').value = String(p.dropout);
  slider('l2').value = String(nearest(SCALES.l2, p.l2));
  slider('lr').value = String(nearest(SCALES.lr, p.learningRate));
  $<HTMLInputElement>('seed').value = String(p.seed);
  $<HTMLInputElement>('epochs').value = String(p.epochs);
  (document.querySelector(`input[name=backend][value=${p.backend}]`) as HTMLInputElement).checked = true;
  showValues(p);
}

function showValues(p: Hyperparameters): void {
  const out = (id: string, text: string) => ((document.querySelector(`output[for=${id}]`) as HTMLOutputElement).value = text);
  out('hidden', String(p.hidden));
  out('dropout', p.dropout.toFixed(2));
  out('l2', fmtNumber(p.l2));
  out('lr', fmtNumber(p.learningRate));
}

/** a changed setting starts a new model; a running one keeps running */
function restart(): void {
  const wasRunning = state.running;
  state.params = readControls();
  showValues(state.params);
  send({ type: 'reset', params: state.params });
  if (wasRunning) send({ type: 'run' });
}

for (const id of ['hidden', 'dropout', 'l2', 'lr']) {
  slider(id as 'hidden').addEventListener('input', () => showValues(readControls()));
  slider(id as 'hidden').addEventListener('change', restart);
}
document.querySelectorAll('input[name=backend], #seed, #epochs').forEach((el) => el.addEventListener('change', restart));
$('reset').addEventListener('click', restart);
$('run').addEventListener('click', () => send({ type: state.running ? 'pause' : 'run' }));
$('compare').addEventListener('click', () => {
  $('speedup').textContent = 'measuring…';
  send({ type: 'compare' });
});
$('download').addEventListener('click', () => send({ type: 'save' }));
$('load').addEventListener('click', () => $<HTMLInputElement>('file').click());
$<HTMLInputElement>('file').addEventListener('change', async (event) => {
  const input = event.target as HTMLInputElement;
  const file = input.files?.[0];
  if (!file) return;
  const bytes = new Uint8Array(await file.arrayBuffer());
  input.value = '';
  send({ type: 'load', bytes, name: file.name }, [bytes.buffer]);
});

// ---- what the worker says ----------------------------------------------------------------------

worker.onmessage = (event: MessageEvent<FromWorker>) => {
  const message = event.data;
  switch (message.type) {
    case 'model':
      Object.assign(state, { params: message.params, variant: message.variant, epoch: message.epoch, train: [], validation: [], regions: message.regions });
      state.points = { X: message.X, y: message.y };
      showControls(message.params);
      $('source').textContent = message.source === 'new' ? '' : `Loaded from ${message.source}.`;
      $('ms').textContent = '–';
      $('message').textContent = '';
      break;
    case 'progress': {
      const last = message.epochs.at(-1)!;
      state.train.push(...message.epochs);
      state.validation.push({ ...last, valLoss: message.validation.loss, valAccuracy: message.validation.accuracy });
      Object.assign(state, { epoch: last.epoch, regions: message.regions, running: message.running });
      $('ms').textContent = message.msPerEpoch < 10 ? message.msPerEpoch.toFixed(2) : message.msPerEpoch.toFixed(1);
      break;
    }
    case 'state':
      state.running = message.running;
      break;
    case 'speed':
      state.speed = message.msPerEpoch;
      showSpeed(message.msPerEpoch, message.hidden);
      break;
    case 'saved':
      offerDownload(message.bytes);
      break;
    case 'error':
      $('message').textContent = message.message;
      break;
  }
  render();
};

function offerDownload(bytes: Uint8Array): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  const a = Object.assign(document.createElement('a'), { href: url, download: `spiral-${state.params.hidden}-epoch${state.epoch}.nnwasm` });
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function showSpeed(ms: { js: number; wasm: number }, hidden: number): void {
  const slowest = Math.max(ms.js, ms.wasm);
  for (const name of ['js', 'wasm'] as const) {
    $(`bar-${name}`).style.width = `${(100 * ms[name]) / slowest}%`;
    $(`speed-${name}`).textContent = `${ms[name] < 10 ? ms[name].toFixed(2) : ms[name].toFixed(1)} ms/epoch`;
  }
  const ratio = ms.js / ms.wasm;
  $('speedup').textContent = `${ratio >= 1 ? `WASM ${ratio.toFixed(1)}× faster` : `JS ${(1 / ratio).toFixed(1)}× faster`} (hidden ${hidden})`;
}

// ---- drawing -----------------------------------------------------------------------------------

let frame = 0;
function render(): void {
  if (!frame) frame = requestAnimationFrame(() => {
    frame = 0;
    drawPlane();
    drawChart($<HTMLCanvasElement>('loss-chart'), 'loss', (p) => p.loss, (p) => p.valLoss);
    drawChart($<HTMLCanvasElement>('accuracy-chart'), 'accuracy', (p) => p.accuracy, (p) => p.valAccuracy, 1);
    drawNumbers();
  });
}

function drawNumbers(): void {
  const last = state.train.at(-1), val = state.validation.at(-1);
  $('epoch').textContent = String(state.epoch);
  $('loss').textContent = last ? last.loss.toFixed(3) : '–';
  $('accuracy').textContent = last ? last.accuracy.toFixed(3) : '–';
  $('val-loss').textContent = val ? val.valLoss.toFixed(3) : '–';
  $('val-accuracy').textContent = val ? val.valAccuracy.toFixed(3) : '–';
  $('variant').textContent = state.variant ? `(${state.variant})` : '';
  $('run').textContent = state.running ? 'Pause' : state.epoch >= state.params.epochs ? 'Done' : state.epoch ? 'Resume' : 'Start';
  $<HTMLButtonElement>('run').disabled = !state.running && state.epoch >= state.params.epochs;
}

/** an offscreen GRID×GRID image of the regions, scaled up smoothly under the points */
const regionImage = new OffscreenCanvas(GRID, GRID);

function drawPlane(): void {
  const canvas = $<HTMLCanvasElement>('regions');
  const ctx = canvas.getContext('2d')!;
  const { width, height } = canvas;
  const r = state.regions;
  if (r.length === GRID * GRID * 3) {
    const image = new ImageData(GRID, GRID);
    for (let i = 0; i < GRID * GRID; i++) {
      // the class colours mixed by probability, then lightened: a confident region is clearly
      // tinted, a contested one fades towards white
      const top = Math.max(r[3 * i], r[3 * i + 1], r[3 * i + 2]);
      const strength = 0.2 + 0.4 * ((top - 1 / 3) / (2 / 3));
      for (let ch = 0; ch < 3; ch++) {
        const mixed = r[3 * i] * CLASS_RGB[0][ch] + r[3 * i + 1] * CLASS_RGB[1][ch] + r[3 * i + 2] * CLASS_RGB[2][ch];
        image.data[4 * i + ch] = 255 - strength * (255 - mixed);
      }
      image.data[4 * i + 3] = 255;
    }
    regionImage.getContext('2d')!.putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(regionImage, 0, 0, width, height);
  } else {
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, width, height);
  }
  const { X, y } = state.points;
  const toPx = (v: number, size: number) => ((v + EXTENT) / (2 * EXTENT)) * size;
  ctx.lineWidth = 0.8;
  ctx.strokeStyle = 'rgba(255,255,255,0.9)';
  for (let i = 0; i < y.length; i++) {
    ctx.beginPath();
    ctx.arc(toPx(X[2 * i], width), height - toPx(X[2 * i + 1], height), 2.6, 0, 2 * Math.PI);
    ctx.fillStyle = `rgb(${CLASS_RGB[y[i]].join(',')})`;
    ctx.fill();
    ctx.stroke();
  }
}

type ValidationPoint = (typeof state.validation)[number];

function drawChart(canvas: HTMLCanvasElement, title: string, trainValue: (p: EpochPoint) => number, valValue: (p: ValidationPoint) => number, fixedMax?: number): void {
  const ctx = canvas.getContext('2d')!;
  const { width, height } = canvas;
  const pad = { left: 40, right: 10, top: 18, bottom: 20 };
  ctx.clearRect(0, 0, width, height);
  const maxEpoch = Math.max(100, state.epoch);
  const values = [...state.train.map(trainValue), ...state.validation.map(valValue)];
  const maxY = fixedMax ?? Math.max(0.1, ...values.slice(-5000)) * 1.05;
  const x = (epoch: number) => pad.left + (epoch / maxEpoch) * (width - pad.left - pad.right);
  const yOf = (v: number) => height - pad.bottom - (Math.min(v, maxY) / maxY) * (height - pad.top - pad.bottom);

  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = '#6a7283';
  ctx.strokeStyle = '#e3e6ec';
  ctx.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const v = (maxY * i) / 4;
    ctx.beginPath();
    ctx.moveTo(pad.left, yOf(v));
    ctx.lineTo(width - pad.right, yOf(v));
    ctx.stroke();
    ctx.fillText(v.toFixed(2), 4, yOf(v) + 4);
  }
  ctx.fillText(title, pad.left, 12);
  ctx.fillText(`epoch ${maxEpoch}`, width - pad.right - 70, height - 5);

  const line = (points: { epoch: number }[], value: (p: never) => number, color: string) => {
    if (!points.length) return;
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.6;
    ctx.beginPath();
    // one vertex per horizontal pixel is enough; long runs have tens of thousands of epochs
    const step = Math.max(1, Math.floor(points.length / (width - pad.left - pad.right)));
    for (let i = 0; i < points.length; i += step) ctx.lineTo(x(points[i].epoch), yOf(value(points[i] as never)));
    const last = points.at(-1)!;
    ctx.lineTo(x(last.epoch), yOf(value(last as never)));
    ctx.stroke();
  };
  line(state.train, trainValue as (p: never) => number, '#3559d6');
  line(state.validation, valValue as (p: never) => number, '#e08a1e');
}

// ---- start -------------------------------------------------------------------------------------

showControls(DEFAULTS);
send({ type: 'reset', params: DEFAULTS });
$('speedup').textContent = 'measuring…';
send({ type: 'compare' });
render();
