#!/usr/bin/env python3
"""Generate test/fixtures/norm.json: float64 reference values for BatchNormalization and
LayerNormalization with Keras 3's semantics, written from the equations (nothing shared
with the library).

Regenerate:
    python3 scripts/norm_reference.py            (writes test/fixtures/norm.json)
    python3 scripts/norm_reference.py --stdout   (prints the JSON instead)
Needs only python3 + numpy; deterministic for a given numpy version (meta.numpy). Nothing
is written unless every self-check below passes.

Semantics (Keras 3, axis = -1: the last axis holds the features; x is viewed as
[R, C] with R the product of the other axes)
----------------------------------------------------------------------------------
BatchNormalization(momentum, epsilon, center, scale):
  training:  mu = mean over R, var = mean over R of (x - mu)^2 (biased: / R),
             y = gamma * (x - mu) / sqrt(var + epsilon) + beta,
             moving_mean     = moving_mean * momentum + mu * (1 - momentum)
             moving_variance = moving_variance * momentum + var * (1 - momentum)
             (keras/src/layers/normalization/batch_normalization.py: ops.moments,
             the biased variance, feeds both)
  inference: the same y with mu, var = moving_mean, moving_variance; nothing moves.
  Initial moving_mean 0, moving_variance 1; gamma 1 / beta 0 when scale / center is false.
LayerNormalization(epsilon, center, scale): mu and var (biased) per row over the C
  features, y = gamma * (x - mu) / sqrt(var + epsilon) + beta.
Backward for L = sum(y * dY), by the chain rule through mu and var step by step (the
  textbook graph, not the closed form the library uses):
  dxhat = dY * gamma; dvar = sum(dxhat * (x - mu)) * -1/2 (var + eps)^(-3/2);
  dmu = sum(-dxhat / sqrt(var + eps)) + dvar * sum(-2 (x - mu)) / n;
  dx = dxhat / sqrt(var + eps) + dvar * 2 (x - mu) / n + dmu / n
  (sums and n over the reduced axis: R for batch norm in training, C for layer norm; at
  batch-norm inference mu and var are constants: dx = dxhat / sqrt(var + eps));
  dgamma = sum over R of dY * xhat, dbeta = sum over R of dY.

JSON (test/fixtures/norm.json)
------------------------------
{ schema, meta: {generator, numpy, seed, tolerance, selfCheck},
  cases: [{ name, layer: "BatchNormalization" | "LayerNormalization",
            options: {axis, momentum (batch norm), epsilon, center, scale},
            gamma, beta (tensors, present when scale / center),
            movingMean, movingVariance (batch norm: the initial values),
            steps: [{ training, input, dY,
                      expected: {Y, dX, dgamma?, dbeta?, movingMean?, movingVariance?} }] }] }
Steps run in order on one layer; gamma and beta do not change between steps (only the
moving statistics move). Tensors are {shape, values}, row-major. Inputs are float32-
representable (drawn from np.random.RandomState(seed + case index) and rounded); expected
values are float64.

Tolerance (the TypeScript test's rule):
  |actual_i - expected_i| <= RTOL * max(|expected_i|, FLOOR * max_j |expected_j|),
  RTOL = 1e-5, FLOOR = 0.1 (dX of batch norm sums to 0 over the batch: cancellation).

Self-checks (any failure aborts before writing)
----------------------------------------------
 1. Central differences in float64 of L = sum(Y * dY) for dX, dgamma, dbeta of every
    training and inference step: max relative error < 1e-6 of max |gradient|.
 2. Second formulation of the backward: the closed form
    dx = gamma / sqrt(var + eps) / n * (n dY - sum dY - xhat sum(dY xhat)) within 1e-12.
 3. float32 replay: every step recomputed in float32 arithmetic (NEP 50; the means and
    variances summed in float64 as the library sums them) matches the float64 values four
    times tighter than the test's tolerance (the step-by-step dX cancels; 1.8e-6 at
    worst), so a failing test means a semantic difference, not rounding.
 4. Anchors: a batch whose channel is constant gives y = beta; the moving variance after
    one step from 1 with momentum 0.99 is 0.99 + 0.01 * var (biased).
"""

import json
import sys

import numpy as np

RTOL, FLOOR = 1e-5, 0.1
SAFETY = 4  # the float32 replay must pass RTOL / SAFETY
SEED = 20250514
FD_EPS = 1e-6


def f32(a):
    return np.asarray(a, dtype=np.float64).astype(np.float32).astype(np.float64)


def tensor(a):
    a = np.asarray(a, dtype=np.float64)
    return {'shape': list(a.shape), 'values': [float(v) for v in a.reshape(-1)]}


# ---- the equations ---------------------------------------------------------------------------

def normalize(x, mu, var, gamma, beta, eps):
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


def moments(x2, axis):
    """mean and biased variance; in float64 even for float32 data (the float32 replay then
    models a library whose sums are float64, as nnwasm's are), returned in x2's type"""
    x64 = x2.astype(np.float64)
    mu = x64.mean(axis=axis, keepdims=True)
    var = ((x64 - mu) ** 2).mean(axis=axis, keepdims=True)
    return mu.astype(x2.dtype), var.astype(x2.dtype)


def chain_backward(x2, dY2, gamma, mu, var, eps, axis, through_stats):
    """dx of y = gamma (x - mu) / sqrt(var + eps) + beta, step by step through mu and var"""
    inv = 1 / np.sqrt(var + eps)
    dxhat = dY2 * gamma
    if not through_stats:
        return dxhat * inv
    n = x2.shape[axis]
    dvar = np.sum(dxhat * (x2 - mu), axis=axis, keepdims=True) * -0.5 * (var + eps) ** -1.5
    dmu = np.sum(-dxhat * inv, axis=axis, keepdims=True) + dvar * np.sum(-2 * (x2 - mu), axis=axis, keepdims=True) / n
    return dxhat * inv + dvar * 2 * (x2 - mu) / n + dmu / n


def forward(case, state, x, training, dt=np.float64):
    """(Y, mu, var, axis, through_stats) of one step; moves state's moving statistics in batch-norm training"""
    o, C = case['options'], x.shape[-1]
    x2 = x.reshape(-1, C).astype(dt)
    gamma = case['gammaValues'].astype(dt)
    beta = case['betaValues'].astype(dt)
    eps = dt(o['epsilon'])
    if case['layer'] == 'LayerNormalization':
        mu, var = moments(x2, 1)
        return normalize(x2, mu, var, gamma, beta, eps).reshape(x.shape), mu, var, 1, True
    if training:
        mu, var = moments(x2, 0)
        # (1 - momentum) in Python's float64 first, as Keras's `mean * (1.0 - self.momentum)`
        m, complement = dt(o['momentum']), dt(1.0 - o['momentum'])
        state['movingMean'] = state['movingMean'].astype(dt) * m + mu[0] * complement
        state['movingVariance'] = state['movingVariance'].astype(dt) * m + var[0] * complement
    else:
        mu, var = state['movingMean'].astype(dt)[None, :], state['movingVariance'].astype(dt)[None, :]
    return normalize(x2, mu, var, gamma, beta, eps).reshape(x.shape), mu, var, 0, training


def step(case, state, x, dY, training, dt=np.float64):
    Y, mu, var, axis, through = forward(case, state, x, training, dt)
    C = x.shape[-1]
    x2, dY2 = x.reshape(-1, C).astype(dt), dY.reshape(-1, C).astype(dt)
    gamma, eps = case['gammaValues'].astype(dt), dt(case['options']['epsilon'])
    dX = chain_backward(x2, dY2, gamma, mu, var, eps, axis, through).reshape(x.shape)
    xhat = (x2 - mu) / np.sqrt(var + eps)
    return {'Y': Y, 'dX': dX, 'dgamma': np.sum(dY2 * xhat, axis=0), 'dbeta': np.sum(dY2, axis=0)}


# ---- the cases -------------------------------------------------------------------------------

CASES = [
    # name, layer, shape per step, options, training per step, moving stats given
    ('batchnorm_2d_training', 'BatchNormalization', [8, 5], {}, [True], False),
    ('batchnorm_nhwc_training', 'BatchNormalization', [2, 3, 4, 3], {}, [True], False),
    ('batchnorm_ntf_training', 'BatchNormalization', [3, 4, 6], {}, [True], False),
    ('batchnorm_2d_inference', 'BatchNormalization', [6, 5], {}, [False], True),
    ('batchnorm_nhwc_inference', 'BatchNormalization', [2, 3, 3, 4], {}, [False], True),
    ('batchnorm_no_center_no_scale', 'BatchNormalization', [7, 4], {'center': False, 'scale': False}, [True], False),
    ('batchnorm_three_steps_then_inference', 'BatchNormalization', [6, 4], {'momentum': 0.9}, [True, True, True, False], False),
    ('batchnorm_nhwc_three_steps', 'BatchNormalization', [2, 2, 3, 5], {'momentum': 0.8, 'epsilon': 1e-2}, [True, True, True, False], False),
    ('layernorm_2d', 'LayerNormalization', [5, 6], {}, [True], False),
    ('layernorm_ntf', 'LayerNormalization', [2, 3, 7], {}, [True], False),
    ('layernorm_nhwc', 'LayerNormalization', [2, 2, 3, 4], {}, [True], False),
    ('layernorm_one_sample', 'LayerNormalization', [1, 9], {'center': False}, [True], False),
    ('layernorm_scale_false_eps', 'LayerNormalization', [4, 5], {'scale': False, 'epsilon': 1e-5}, [True], False),
]


def make_case(k, name, layer, shape, opts, trainings, given_moving):
    rs = np.random.RandomState(SEED + k)
    C = shape[-1]
    options = {'axis': -1, 'epsilon': 1e-3, 'center': True, 'scale': True}
    if layer == 'BatchNormalization':
        options['momentum'] = 0.99
    options.update(opts)
    # features of different means and spreads, as a Dense layer's outputs have
    offsets, spreads = f32(rs.uniform(-3, 3, C)), f32(rs.uniform(0.3, 4, C))
    steps_in = [(f32(rs.standard_normal(shape) * spreads + offsets), f32(rs.standard_normal(shape))) for _ in trainings]
    gamma = f32(rs.uniform(0.5, 1.5, C)) if options['scale'] else np.ones(C)
    beta = f32(rs.uniform(-1, 1, C)) if options['center'] else np.zeros(C)
    case = {'name': name, 'layer': layer, 'options': options, 'gammaValues': gamma, 'betaValues': beta}
    state = {}
    if layer == 'BatchNormalization':
        state = {'movingMean': f32(offsets + rs.uniform(-0.5, 0.5, C)) if given_moving else np.zeros(C),
                 'movingVariance': f32(spreads ** 2 * rs.uniform(0.7, 1.3, C)) if given_moving else np.ones(C)}
        case['initial'] = dict(state)
    steps = []
    for training, (x, dY) in zip(trainings, steps_in):
        expected = step(case, state, x, dY, training)
        if layer == 'BatchNormalization':
            expected['movingMean'], expected['movingVariance'] = state['movingMean'].copy(), state['movingVariance'].copy()
        steps.append({'training': training, 'x': x, 'dY': dY, 'expected': expected})
    case['steps'] = steps
    return case


# ---- self-checks -----------------------------------------------------------------------------

def worst(actual, expected, floor=FLOOR):
    scale = np.maximum(np.abs(expected), floor * np.max(np.abs(expected)) + 1e-300)
    return float(np.max(np.abs(actual - expected) / scale))


def check_case(case):
    results = {}
    state = dict(case.get('initial', {}))
    fd_worst = closed_worst = f32_worst = 0.0
    state32 = {key: v.astype(np.float32) for key, v in state.items()}
    for s in case['steps']:
        x, dY, e, training = s['x'], s['dY'], s['expected'], s['training']
        # 1. central differences (on a copy of the state: the objective must not move it)
        def loss(xv, g=None, b=None):
            c = dict(case, gammaValues=case['gammaValues'] if g is None else g, betaValues=case['betaValues'] if b is None else b)
            Y = forward(c, dict(state), xv, training)[0]
            return float(np.sum(Y * dY))
        for what, base, fn in [('dX', x, lambda v: loss(v)),
                               ('dgamma', case['gammaValues'], lambda v: loss(x, g=v)),
                               ('dbeta', case['betaValues'], lambda v: loss(x, b=v))]:
            num = np.zeros(base.size)
            for i in range(base.size):
                p, m = base.copy().reshape(-1), base.copy().reshape(-1)
                p[i] += FD_EPS
                m[i] -= FD_EPS
                num[i] = (fn(p.reshape(base.shape)) - fn(m.reshape(base.shape))) / (2 * FD_EPS)
            err = float(np.max(np.abs(num - e[what].reshape(-1))) / max(np.max(np.abs(num)), 1e-12))
            fd_worst = max(fd_worst, err)
            assert err < 1e-6, f"{case['name']}: central differences of {what}: {err}"
        # 2. the closed form of dx
        C = x.shape[-1]
        x2, dY2 = x.reshape(-1, C), dY.reshape(-1, C)
        if case['layer'] == 'LayerNormalization':
            mu, var = moments(x2, 1)
            g = dY2 * case['gammaValues']
            xhat = (x2 - mu) / np.sqrt(var + case['options']['epsilon'])
            closed = (g - g.mean(1, keepdims=True) - xhat * (g * xhat).mean(1, keepdims=True)) / np.sqrt(var + case['options']['epsilon'])
        elif training:
            mu, var = moments(x2, 0)
            n, inv = x2.shape[0], 1 / np.sqrt(var + case['options']['epsilon'])
            xhat = (x2 - mu) * inv
            closed = case['gammaValues'] * inv / n * (n * dY2 - dY2.sum(0) - xhat * (dY2 * xhat).sum(0))
        else:
            closed = dY2 * case['gammaValues'] / np.sqrt(state['movingVariance'] + case['options']['epsilon'])
        err = float(np.max(np.abs(closed.reshape(x.shape) - e['dX'])) / (1 + np.max(np.abs(e['dX']))))
        closed_worst = max(closed_worst, err)
        assert err < 1e-12, f"{case['name']}: closed-form dX differs by {err}"
        # 3. float32 replay
        c32 = dict(case, gammaValues=case['gammaValues'].astype(np.float32), betaValues=case['betaValues'].astype(np.float32))
        got = step(c32, state32, x.astype(np.float32), dY.astype(np.float32), training, np.float32)
        if case['layer'] == 'BatchNormalization':
            got['movingMean'], got['movingVariance'] = state32['movingMean'], state32['movingVariance']
        for key, want in e.items():
            w = worst(np.asarray(got[key], dtype=np.float64), np.asarray(want))
            f32_worst = max(f32_worst, w)
            assert w <= RTOL / SAFETY, f"{case['name']}: float32 replay of {key}: {w}"
        # advance the float64 state as the generator did
        forward(case, state, x, training)
    results['centralDifferences'] = fd_worst
    results['closedForm'] = closed_worst
    results['float32Replay'] = f32_worst
    return results


def anchors():
    # a constant channel has variance 0: y = beta exactly
    c = {'layer': 'BatchNormalization', 'options': {'epsilon': 1e-3, 'momentum': 0.99},
         'gammaValues': np.array([2.0]), 'betaValues': np.array([0.25])}
    s = {'movingMean': np.zeros(1), 'movingVariance': np.ones(1)}
    Y = forward(c, s, np.full((4, 1), 3.0), True)[0]
    assert np.all(Y == 0.25), Y
    assert s['movingVariance'][0] == 0.99 and abs(s['movingMean'][0] - 0.03) < 1e-15
    # the biased variance of [1, 2, 3, 4] is 1.25 (the unbiased one would be 5/3)
    s = {'movingMean': np.zeros(1), 'movingVariance': np.ones(1)}
    forward(c, s, np.array([[1.0], [2.0], [3.0], [4.0]]), True)
    assert abs(s['movingVariance'][0] - (0.99 + 0.01 * 1.25)) < 1e-15
    return 'ok'


def main():
    cases = [make_case(k, *spec) for k, spec in enumerate(CASES)]
    checks = {c['name']: check_case(c) for c in cases}
    checks['anchors'] = anchors()
    out = []
    for c in cases:
        entry = {'name': c['name'], 'layer': c['layer'], 'options': c['options']}
        if c['options']['scale']:
            entry['gamma'] = tensor(c['gammaValues'])
        if c['options']['center']:
            entry['beta'] = tensor(c['betaValues'])
        if c['layer'] == 'BatchNormalization':
            entry['movingMean'], entry['movingVariance'] = tensor(c['initial']['movingMean']), tensor(c['initial']['movingVariance'])
        steps = []
        for s in c['steps']:
            e = s['expected']
            keys = ['Y', 'dX'] + (['dgamma'] if c['options']['scale'] else []) + (['dbeta'] if c['options']['center'] else [])
            if c['layer'] == 'BatchNormalization':
                keys += ['movingMean', 'movingVariance']
            steps.append({'training': s['training'], 'input': tensor(s['x']), 'dY': tensor(s['dY']), 'expected': {k: tensor(e[k]) for k in keys}})
        entry['steps'] = steps
        out.append(entry)
    doc = {
        'schema': 'cases: [{name, layer, options, gamma?, beta?, movingMean?, movingVariance?, steps: [{training, input, dY, expected: {Y, dX, dgamma?, dbeta?, movingMean?, movingVariance?}}]}]; tensors {shape, values} row-major; see scripts/norm_reference.py',
        'meta': {
            'generator': 'scripts/norm_reference.py',
            'numpy': np.__version__,
            'seed': SEED,
            'tolerance': {'rtol': RTOL, 'floor': FLOOR, 'rule': '|a - e| <= rtol * max(|e|, floor * max|e|) per tensor'},
            'selfCheck': checks,
        },
        'cases': out,
    }
    text = json.dumps(doc, indent=1)
    if '--stdout' in sys.argv:
        print(text)
        return
    with open('test/fixtures/norm.json', 'w') as f:
        f.write(text + '\n')
    for name, r in checks.items():
        print(name, r)


if __name__ == '__main__':
    main()
