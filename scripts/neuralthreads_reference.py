"""The neuralthreads "Dropout step by step" notebook (seed 001), run as printed with NumPy.

Prints, as JSON, its initial inputs and weights (np.random.seed(42)) and the losses it reports:
"loss before training" at every epoch and after the last one. examples/neuralthreads-exact.ts
embeds these numbers; rerun with `python3 scripts/neuralthreads_reference.py` to check them.
"""
import json
import numpy as np

np.random.seed(42)
x = np.random.randint(1, 100, size=(5, 1)) / 100
y = np.array([[0], [1], [0], [0]])


def relu(v):
    return np.where(v <= 0, 0, v)


def relu_dash(v):
    return np.where(v <= 0, 0, 1)


def softmax(v):
    return np.exp(v) / np.sum(np.exp(v))


def softmax_dash(v):
    eye = np.eye(v.shape[0])
    return softmax(v) * (eye - softmax(v).T)


def cross_e(t, p):
    return -np.sum(t * np.log(p + 10**-100))


def cross_e_grad(t, p):
    return -t / (p + 10**-100)


w1 = np.random.random(size=(3, 5)); b1 = np.zeros((3, 1))
w2 = np.random.random(size=(5, 3)); b2 = np.zeros((5, 1))
w3 = np.random.random(size=(4, 5)); b3 = np.zeros((4, 1))
start = {"x": x.ravel().tolist(), "w1": w1.tolist(), "w2": w2.tolist(), "w3": w3.tolist()}
lr = 0.01
drop_h1, state_h1 = 1 / 3, np.array([[1], [1], [0]])
drop_h2, state_h2 = 2 / 5, np.array([[1], [1], [1], [0], [0]])


def forward():
    return softmax(w3.dot(relu(w2.dot(relu(w1.dot(x) + b1)) + b2)) + b3)


losses = []
for epoch in range(200):
    losses.append(cross_e(y, forward()))
    in_h1 = w1.dot(x) + b1
    out_h1 = relu(in_h1)
    np.random.shuffle(state_h1)
    d1 = out_h1 * state_h1 / (1 - drop_h1)  # dropout after the first ReLU
    in_h2 = w2.dot(d1) + b2
    np.random.shuffle(state_h2)
    d2 = in_h2 * state_h2 / (1 - drop_h2)  # dropout before the second ReLU
    out_h2 = relu(d2)
    z = w3.dot(out_h2) + b3
    e3 = np.sum(cross_e_grad(y, softmax(z)) * softmax_dash(z), axis=0).reshape((-1, 1))
    e2 = np.sum(e3 * w3, axis=0).reshape((-1, 1)) * relu_dash(d2) * (state_h2 / (1 - drop_h2))
    e1 = np.sum(e2 * w2, axis=0).reshape((-1, 1)) * (state_h1 / (1 - drop_h1)) * relu_dash(in_h1)
    w3 -= lr * e3.dot(out_h2.T); b3 -= lr * e3
    w2 -= lr * e2.dot(d1.T); b2 -= lr * e2
    w1 -= lr * e1.dot(x.T); b1 -= lr * e1

print(json.dumps({"start": start, "losses": losses, "final": cross_e(y, forward())}))
