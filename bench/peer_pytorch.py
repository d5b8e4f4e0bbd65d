#!/usr/bin/env python3
"""PyTorch peer of fclab's bench (src/bench/peer-pytorch.ts): one bench case written as an
ordinary PyTorch loop, started from the state fclab dumped (init weights, data, transform as .npy,
PyTorch layout), with the same network, loss and optimizer (torch.optim). Online cases draw fresh
samples with torch's generators every step. Prints one JSON object on stdout.

Usage: python3 bench/peer_pytorch.py <state-dir> <case-json> <budget-ms> <repeats> <threads> [steps]
(budget-ms: the length of one timed repeat; the step count follows from a timed first step, or is
`steps` when given; the activation is the config's model.activation)
(the BLAS comes from the environment, e.g. LD_LIBRARY_PATH)
"""
import json, os, sys, time
import numpy as np
import torch

state, case = sys.argv[1], json.loads(sys.argv[2])
budget, repeats, threads = float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
torch.set_num_threads(threads)
torch.manual_seed(2024)
cfg = case['config']
tr, data, model = cfg['train'], cfg['data'], cfg['model']
load = lambda name: torch.from_numpy(np.load(os.path.join(state, name + '.npy')))

d, m = data['inputDim'], model['hidden']
ACTS = {'relu': torch.nn.ReLU, 'leakyrelu': lambda: torch.nn.LeakyReLU(0.1), 'gelu': torch.nn.GELU,
        'sigmoid': torch.nn.Sigmoid, 'tanh': torch.nn.Tanh, 'identity': torch.nn.Identity}
net = torch.nn.Sequential(torch.nn.Linear(d, m), ACTS[model['activation']](), torch.nn.Linear(m, 1))
with torch.no_grad():
    for i, layer in ((0, net[0]), (1, net[2])):
        layer.weight.copy_(load(f'fc{i}.weight'))
        layer.bias.copy_(load(f'fc{i}.bias'))
if model['freezeOutput']:
    for p in net[2].parameters():
        p.requires_grad = False
params = [p for p in net.parameters() if p.requires_grad]
if tr['optimizer'] == 'sgd':
    opt = torch.optim.SGD(params, lr=tr['lr'], momentum=tr['momentum'], weight_decay=tr['weightDecay'])
elif tr['optimizer'] == 'adamw':
    opt = torch.optim.AdamW(params, lr=tr['lr'], weight_decay=tr['weightDecay'], betas=(tr['beta1'], tr['beta2']), eps=tr['eps'])
else:
    opt = torch.optim.Adam(params, lr=tr['lr'], weight_decay=tr['weightDecay'], betas=(tr['beta1'], tr['beta2']), eps=tr['eps'])

if tr['loss'] == 'logistic':
    loss_fn = lambda f, y: torch.nn.functional.softplus(-y * f).mean()
elif tr['loss'] == 'hinge':
    loss_fn = lambda f, y: torch.clamp(1 - y * f, min=0).mean()
else:
    loss_fn = lambda f, y: ((f - y) ** 2).mean()

V = load('transform')
rows = case['batch']
if case['online']:
    # labels as fclab's online batches: half positive, an odd batch's extra row alternating with the step
    def labels(parity):
        npos = rows // 2 + (1 if rows % 2 == 1 and parity == 0 else 0)
        return (torch.cat([torch.ones(npos), -torch.ones(rows - npos)]),
                torch.cat([torch.ones(npos, 1), 2 * torch.ones(rows - npos, 1)]))
    label_sets = [labels(0), labels(1)]
    cd, bd, mean = data['coreDim'], data['bgDim'], data['bgMean']
    step_count = [0]

    def batch():
        y, radius = label_sets[step_count[0] % 2]
        step_count[0] += 1
        if data['core'] == 'sphere':
            g = torch.randn(rows, cd)
            core = g / g.norm(dim=-1, keepdim=True) * radius
        else:
            core = torch.rand(rows, cd) * y[:, None]
        bg = torch.rand(rows, bd) + (mean - 0.5)
        return torch.cat([core, bg], dim=-1) @ V, y
else:
    X, y = load('train_x'), load('y')
    batch = lambda: (X, y)


def step():
    xb, yb = batch()
    loss = loss_fn(net(xb).squeeze(-1), yb)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss


first = None if case['online'] else [float(step()) for _ in range(3)]
t0 = time.perf_counter()
step()
steps = max(1, min(100000, round(budget / ((time.perf_counter() - t0) * 1000))))
if len(sys.argv) > 6:
    steps = int(sys.argv[6])
for _ in range(max(1, steps // 4)):
    step()
times = []
for _ in range(repeats):
    t = time.perf_counter()
    for _ in range(steps):
        step()
    times.append((time.perf_counter() - t) / steps * 1000)
print(json.dumps({'msPerIter': times, 'torch': torch.__version__, 'threads': torch.get_num_threads(), 'firstLosses': first}))
