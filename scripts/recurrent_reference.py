#!/usr/bin/env python3
"""Generate test/fixtures/recurrent.json: float64 reference values for SimpleRNN, LSTM and GRU
(reset_after true and false) with Keras 3's equations, dropout masks included, written from the
equations (nothing shared with the library).

Regenerate:
    python3 scripts/recurrent_reference.py            (writes test/fixtures/recurrent.json)
    python3 scripts/recurrent_reference.py --stdout   (prints the JSON instead)
Needs only python3 + numpy; deterministic for a given numpy version (meta.numpy). Nothing is
written unless the self-checks below pass.

Equations (x_t: [N, F] the input at step t, h_0 = c_0 = 0; m_x [N, F] and m_h [N, U] the input
and recurrent dropout masks, 0 or 1/(1 - rate), one per sequence, shared by every step and
every gate; without dropout they are all ones)
------------------------------------------------------------------------------------------
  x~ = x_t * m_x,  h~ = h_{t-1} * m_h
SimpleRNN:   h_t = act(x~ W + h~ U + b)
LSTM (gates i, f, c, o along the last axis of W [F, 4U], U [U, 4U], b [4U]):
             z = x~ W + h~ U + b;  i = rec(z_i), f = rec(z_f), g = act(z_c), o = rec(z_o)
             c_t = f * c_{t-1} + i * g;  h_t = o * act(c_t)
GRU (gates z, r, h along W [F, 3U], U [U, 3U]):
  reset_after true (Keras's default), b [2, 3U] = (input bias, recurrent bias):
             mx = x~ W + b[0];  mh = h~ U + b[1]
             z = rec(mx_z + mh_z), r = rec(mx_r + mh_r), hh = act(mx_h + r * mh_h)
  reset_after false, b [3U]:
             mx = x~ W + b;  z = rec(mx_z + h~ U_z), r = rec(mx_r + h~ U_r)
             hh = act(mx_h + (r * h~) U_h)
             h_t = z * h_{t-1} + (1 - z) * hh       (the carry mixes the unmasked h_{t-1})
  Keras 3's LSTM applies the masks as above; its GRU, in the default implementation 2, draws
  the recurrent mask and never applies it (implementation 1 applies it per gate): the library
  applies it as the equations say, which is what `recurrent_dropout` documents.
act = tanh, rec = sigmoid here (the activations the library offers beyond them are elementwise
and checked by its gradient checks). go_backwards runs t = T-1 … 0 and, with return_sequences,
returns the outputs in the order they were computed (the reversed sequence), as Keras does.
Output: h_T, or every h_t as [N, T, U] with return_sequences.
Backward for L = sum(Y * dY): the complex-step derivative (exact to float64 rounding: every
function here is analytic in the inputs and weights; the masks are constants), element by
element of the input, W, U and b.

JSON (test/fixtures/recurrent.json)
-----------------------------------
{ schema, meta: {generator, numpy, seed, tolerance, selfCheck},
  cases: [{ name, layer: "SimpleRNN" | "LSTM" | "GRU",
            options: {units, returnSequences, goBackwards, useBias, resetAfter (GRU),
                      dropout, recurrentDropout (the rates the masks stand for)},
            kernel, recurrentKernel, bias (absent without bias), input, inputMask?,
            recurrentMask?, dY,
            expected: {Y, dX, dKernel, dRecurrentKernel, dBias?} }] }
Tensors are {shape, values}, row-major; inputs and weights are float32-representable (drawn
from np.random.RandomState(seed + case index) and rounded), expected values float64.

Tolerance (the TypeScript test's rule):
  |actual_i - expected_i| <= RTOL * max(|expected_i|, FLOOR * max_j |expected_j|),
  RTOL = 1e-5, FLOOR = 0.1.

Self-checks (any failure aborts before writing)
-----------------------------------------------
 1. Central differences of L in float64 agree with the complex-step gradients within 1e-7 of
    max |gradient|.
 2. A second formulation of each forward: the LSTM and GRU written gate by gate with the
    weights split per gate (Keras's implementation 1 without masks' per-gate copies) equal the
    fused formulation within 1e-12.
 3. Masks: a case's output changes when its masks are replaced by ones (they are used).
"""
import json
import sys

import numpy as np

SEED = 20261201
RTOL = 1e-5
FLOOR = 0.1


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def run(layer, opts, X, W, U, b, mx, mh, split=False):
    """Forward for X [N, T, F]; works on complex arrays for the complex-step derivative."""
    N, T, _ = X.shape
    units = opts['units']
    h = np.zeros((N, units), dtype=X.dtype)
    c = np.zeros((N, units), dtype=X.dtype)
    outs = []
    steps = range(T - 1, -1, -1) if opts['goBackwards'] else range(T)
    for t in steps:
        xt = X[:, t, :] * mx
        hm = h * mh
        if layer == 'SimpleRNN':
            h = np.tanh(xt @ W + hm @ U + (b if b is not None else 0))
        elif layer == 'LSTM':
            if split:  # gate by gate, the weights sliced per gate
                g = [xt @ W[:, k * units:(k + 1) * units] + hm @ U[:, k * units:(k + 1) * units]
                     + (b[k * units:(k + 1) * units] if b is not None else 0) for k in range(4)]
                zi, zf, zc, zo = g
            else:
                z = xt @ W + hm @ U + (b if b is not None else 0)
                zi, zf, zc, zo = (z[:, k * units:(k + 1) * units] for k in range(4))
            i, f, g_, o = sigmoid(zi), sigmoid(zf), np.tanh(zc), sigmoid(zo)
            c = f * c + i * g_
            h = o * np.tanh(c)
        else:  # GRU
            after = opts['resetAfter']
            bi = (b[0] if after else b) if b is not None else np.zeros(3 * units)
            bh = b[1] if (b is not None and after) else np.zeros(3 * units)
            sl = [slice(k * units, (k + 1) * units) for k in range(3)]
            if split:
                mxs = [xt @ W[:, s] + bi[s] for s in sl]
            else:
                m = xt @ W + bi
                mxs = [m[:, s] for s in sl]
            if after:
                mhs = [hm @ U[:, s] + bh[s] for s in sl]
                z = sigmoid(mxs[0] + mhs[0])
                r = sigmoid(mxs[1] + mhs[1])
                hh = np.tanh(mxs[2] + r * mhs[2])
            else:
                z = sigmoid(mxs[0] + hm @ U[:, sl[0]])
                r = sigmoid(mxs[1] + hm @ U[:, sl[1]])
                hh = np.tanh(mxs[2] + (r * hm) @ U[:, sl[2]])
            h = z * h + (1 - z) * hh
        outs.append(h)
    return np.stack(outs, axis=1) if opts['returnSequences'] else h


def gradients(layer, opts, X, W, U, b, mx, mh, dY, step):
    """complex-step (step = None) or central-difference (step = h) gradients of sum(Y * dY)"""
    params = {'X': X, 'W': W, 'U': U, 'b': b}
    out = {}
    for name, arr in params.items():
        if arr is None:
            continue
        g = np.zeros_like(arr)
        flat = g.reshape(-1)
        for k in range(arr.size):
            def loss_at(delta):
                p = {n: (a.astype(complex) if a is not None else None) for n, a in params.items()}
                p[name].reshape(-1)[k] += delta
                return np.sum(run(layer, opts, p['X'], p['W'], p['U'], p['b'], mx, mh) * dY)
            if step is None:
                flat[k] = loss_at(1e-30j).imag / 1e-30
            else:
                flat[k] = (loss_at(step).real - loss_at(-step).real) / (2 * step)
        out[name] = g
    return out


def mask(rng, shape, rate):
    return (rng.rand(*shape) >= rate).astype(np.float64) / (1 - rate)


def tensor(a):
    a = np.asarray(a)
    return {'shape': list(a.shape), 'values': [float(v) for v in a.reshape(-1)]}


CASES = [
    # name, layer, options (units, returnSequences, goBackwards, useBias, resetAfter, dropout, recurrentDropout)
    ('SimpleRNN, last output', 'SimpleRNN', dict(units=4)),
    ('SimpleRNN, sequences, both masks', 'SimpleRNN', dict(units=4, returnSequences=True, dropout=0.25, recurrentDropout=0.4)),
    ('LSTM, last output', 'LSTM', dict(units=3)),
    ('LSTM, sequences, backwards', 'LSTM', dict(units=3, returnSequences=True, goBackwards=True)),
    ('LSTM, both masks', 'LSTM', dict(units=5, dropout=0.3, recurrentDropout=0.3)),
    ('LSTM, no bias, sequences, masks', 'LSTM', dict(units=4, returnSequences=True, useBias=False, dropout=0.2, recurrentDropout=0.5)),
    ('GRU reset after, last output', 'GRU', dict(units=3)),
    ('GRU reset after, sequences, both masks', 'GRU', dict(units=4, returnSequences=True, dropout=0.25, recurrentDropout=0.4)),
    ('GRU reset before, last output', 'GRU', dict(units=3, resetAfter=False)),
    ('GRU reset before, backwards, both masks', 'GRU', dict(units=4, resetAfter=False, goBackwards=True, returnSequences=True, dropout=0.3, recurrentDropout=0.3)),
]


def make():
    cases, worst_cd, worst_split = [], 0.0, 0.0
    for ix, (name, layer, o) in enumerate(CASES):
        rng = np.random.RandomState(SEED + ix)
        opts = {**dict(returnSequences=False, goBackwards=False, useBias=True, dropout=0.0, recurrentDropout=0.0), **o}
        if layer == 'GRU':
            opts.setdefault('resetAfter', True)
        N, T, F, units = 3, 5, 4, opts['units']
        gates = {'SimpleRNN': 1, 'LSTM': 4, 'GRU': 3}[layer]
        X = f32(rng.randn(N, T, F))
        W = f32(rng.randn(F, gates * units) * 0.5)
        U = f32(rng.randn(units, gates * units) * 0.5)
        b = None
        if opts['useBias']:
            b = f32(rng.randn(2, gates * units) * 0.3 if layer == 'GRU' and opts['resetAfter'] else rng.randn(gates * units) * 0.3)
        mx = mask(rng, (N, F), opts['dropout']) if opts['dropout'] > 0 else np.ones((N, F))
        mh = mask(rng, (N, units), opts['recurrentDropout']) if opts['recurrentDropout'] > 0 else np.ones((N, units))
        Y = run(layer, opts, X, W, U, b, mx, mh)
        dY = f32(rng.randn(*Y.shape))
        g = gradients(layer, opts, X, W, U, b, mx, mh, dY, None)
        cd = gradients(layer, opts, X, W, U, b, mx, mh, dY, 1e-6)
        for k in g:
            scale = max(np.max(np.abs(g[k])), 1e-300)
            worst_cd = max(worst_cd, np.max(np.abs(g[k] - cd[k])) / scale)
        if layer != 'SimpleRNN':
            worst_split = max(worst_split, np.max(np.abs(run(layer, opts, X, W, U, b, mx, mh, split=True) - Y)))
        if opts['dropout'] > 0 or opts['recurrentDropout'] > 0:
            unmasked = run(layer, opts, X, W, U, b, np.ones_like(mx), np.ones_like(mh))
            if np.max(np.abs(unmasked - Y)) < 1e-6:
                raise SystemExit(f'self-check 3 failed: the masks of {name!r} change nothing')
        case = {
            'name': name, 'layer': layer, 'options': opts,
            'kernel': tensor(W), 'recurrentKernel': tensor(U), 'input': tensor(X), 'dY': tensor(dY),
            'expected': {'Y': tensor(Y), 'dX': tensor(g['X']), 'dKernel': tensor(g['W']), 'dRecurrentKernel': tensor(g['U'])},
        }
        if b is not None:
            case['bias'] = tensor(b)
            case['expected']['dBias'] = tensor(g['b'])
        if opts['dropout'] > 0:
            case['inputMask'] = tensor(mx)
        if opts['recurrentDropout'] > 0:
            case['recurrentMask'] = tensor(mh)
        cases.append(case)
    if worst_cd > 1e-7:
        raise SystemExit(f'self-check 1 failed: central differences differ by {worst_cd:.3g} of max |gradient|')
    if worst_split > 1e-12:
        raise SystemExit(f'self-check 2 failed: the gate-by-gate forward differs by {worst_split:.3g}')
    return {
        'schema': 'nnwasm recurrent reference v1',
        'meta': {'generator': 'scripts/recurrent_reference.py', 'numpy': np.__version__, 'seed': SEED,
                 'tolerance': {'rtol': RTOL, 'floor': FLOOR},
                 'selfCheck': {'centralDifferences': worst_cd, 'gateByGate': worst_split}},
        'cases': cases,
    }


if __name__ == '__main__':
    out = json.dumps(make(), indent=1)
    if '--stdout' in sys.argv:
        print(out)
    else:
        with open('test/fixtures/recurrent.json', 'w') as fh:
            fh.write(out + '\n')
        print(f'wrote test/fixtures/recurrent.json ({len(CASES)} cases)')
