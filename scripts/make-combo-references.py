#!/usr/bin/env python3
"""PyTorch reference trajectories for every activation x loss x optimizer combination (small problem).

The two reference folders from the paper's official code (toy-default, toy-theory) cover only ReLU
with logistic/AdamW and hinge/SGD. This script follows the semantics of the official toy.py (see
docs/design.md) on a SMALL problem so that the fixtures stay small and the parity test is fast:

  n=200, core_dim=8 (sphere core: radius 1 for y=+1, radius 2 for y=-1), bg_dim=8 (train U(0,1),
  OOD -U(0,1) with the same core samples), input_dim=64 (x = [z_core, z_bg] V, V the Vh of an SVD of
  a 16x64 Gaussian), hidden=32, nn.Linear layers with PyTorch's default init; full batch, lr 1e-3,
  weight decay 1e-3, SGD momentum 0.9, Adam/AdamW with default betas/eps; 100 updates.

Combinations: 6 activations (relu, gelu exact, leakyrelu(0.1), sigmoid, tanh, identity) x 3 losses
(logistic mean(log(1+exp(-y f))), hinge mean(clamp(1-y f, min=0)), nn.MSELoss on +-1 targets) x 3
optimizers (torch.optim.SGD(momentum=0.9), Adam, AdamW) with the output layer trained (54), plus:
  - frozen output (+1/m first m//2, -1/m rest, requires_grad=False on weight and bias), sgd + hinge,
    for every activation (init prefix init_frozen);
  - bias=False for relu and gelu with adamw + logistic (init prefix init_nobias);
  - mlp_n_layers=3 for relu and tanh with sgd + mse (init prefix init_3layer).

Every combination starts from one shared float32 data set / transform and the float32 initial state
of its init prefix. It is run twice: in float32 (the reference) and in float64 from the same float32
state cast to float64 (trajectory_f64): their distance is what float32 rounding alone does, the
envelope the parity test scales its tolerances with. Entry i of a trajectory is measured after i
updates (i = 0..100; entry i < 100 is measured before update i+1, so train_loss[i] is the loss of
step i+1). Final float32 weights after 100 updates are saved as final.<combo>.fc*.npy, and the
relative Frobenius distance between the float64 and float32 finals is stored per tensor as
final_envelope.

How it was run (from the project root), with PyTorch 1.13.0a0 (Debian python3-torch) and NumPy 1.24.2
on CPU, one thread:
    /usr/bin/python3 scripts/make-combo-references.py tests/fixtures/combos
The output is reproducible: fixed seeds (2024 for the model init, the transform and the data; 2025,
2026, 2027 for the frozen-output, no-bias and 3-layer inits) and torch.set_num_threads(1).
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

OUT = sys.argv[1] if len(sys.argv) > 1 else 'tests/fixtures/combos'

N, CORE, BG, INPUT, HIDDEN = 200, 8, 8, 64, 32
LR, WD, MOMENTUM, STEPS = 1e-3, 1e-3, 0.9, 100
SEED = 2024
ACTIVATIONS = ['relu', 'gelu', 'leakyrelu', 'sigmoid', 'tanh', 'identity']
LOSSES = ['logistic', 'hinge', 'mse']
OPTIMIZERS = ['sgd', 'adam', 'adamw']

torch.set_num_threads(1)


def activation(name):
    return {
        'relu': nn.ReLU(),
        'gelu': nn.GELU(),  # exact (erf) form
        'leakyrelu': nn.LeakyReLU(0.1),
        'sigmoid': nn.Sigmoid(),
        'tanh': nn.Tanh(),
        'identity': nn.Identity(),
    }[name]


class Net(nn.Module):
    """input -> hidden (-> hidden ...) -> 1, the activation after every layer but the last."""

    def __init__(self, layers, bias, act):
        super().__init__()
        dims = [INPUT] + [HIDDEN] * (layers - 1) + [1]
        self.fcs = nn.ModuleList([nn.Linear(dims[i], dims[i + 1], bias=bias) for i in range(layers)])
        self.act = activation(act)

    def forward(self, x):
        x = self.fcs[0](x)
        for fc in self.fcs[1:]:
            x = fc(self.act(x))
        return x

    def named(self):
        """Parameters named fc{layer}.{weight|bias}, as in the reference folders."""
        out = []
        for l, fc in enumerate(self.fcs):
            out.append((f'fc{l}.weight', fc.weight))
            if fc.bias is not None:
                out.append((f'fc{l}.bias', fc.bias))
        return out


def loss_fn(name):
    if name == 'logistic':
        return lambda f, y: torch.mean(torch.log(1 + torch.exp(-y * f)))
    if name == 'hinge':
        return lambda f, y: torch.mean(torch.clamp(1 - y * f, min=0))
    mse = nn.MSELoss()
    return lambda f, y: mse(f, y)


def optimizer(name, params):
    if name == 'sgd':
        return torch.optim.SGD(params, lr=LR, momentum=MOMENTUM, weight_decay=WD)
    if name == 'adam':
        return torch.optim.Adam(params, lr=LR, weight_decay=WD)
    return torch.optim.AdamW(params, lr=LR, weight_decay=WD)


def freeze_weights(m):
    w = torch.empty(1, m)
    w[:, : m // 2] = 1.0 / m
    w[:, m // 2 :] = -1.0 / m
    return w


# ---- shared state: init (seed 2024), transform, data ----
torch.manual_seed(SEED)
base = Net(2, True, 'relu')  # drawn first, as the official script creates the model before the data
V = torch.linalg.svd(torch.randn(CORE + BG, INPUT), full_matrices=False)[2]  # (16, 64), orthonormal rows
n_pos = N // 2
y = torch.cat([torch.ones(n_pos), -torch.ones(N - n_pos)])
zc_pos = torch.randn(n_pos, CORE)
zc_pos = zc_pos / zc_pos.norm(dim=-1, keepdim=True)
zc_neg = torch.randn(N - n_pos, CORE)
zc_neg = 2 * zc_neg / zc_neg.norm(dim=-1, keepdim=True)
zc = torch.cat([zc_pos, zc_neg])
bg_train = torch.rand(N, BG)
bg_test = -torch.rand(N, BG)
train_x = torch.cat([zc, bg_train], dim=-1) @ V
test_x = torch.cat([zc, bg_test], dim=-1) @ V


def state_of(net):
    return {k: p.detach().numpy().copy() for k, p in net.named()}


inits = {'init': state_of(base)}
torch.manual_seed(SEED + 1)
frozen = Net(2, True, 'relu')
with torch.no_grad():
    frozen.fcs[-1].weight.copy_(freeze_weights(HIDDEN))  # the bias keeps its default init
inits['init_frozen'] = state_of(frozen)
torch.manual_seed(SEED + 2)
inits['init_nobias'] = state_of(Net(2, False, 'relu'))
torch.manual_seed(SEED + 3)
inits['init_3layer'] = state_of(Net(3, True, 'relu'))

shared = {
    'train_x': train_x.numpy(),
    'test_x': test_x.numpy(),
    'y': y.numpy(),
    'transform': V.numpy(),
}


def save(name, arr):
    arr = np.ascontiguousarray(arr, dtype='<f4')
    np.save(os.path.join(OUT, name + '.npy'), arr)


# ---- combinations ----
combos = []
for act in ACTIVATIONS:
    for loss in LOSSES:
        for opt in OPTIMIZERS:
            combos.append(dict(name=f'{act}-{loss}-{opt}', activation=act, loss=loss, optimizer=opt,
                               freezeOutput=False, bias=True, layers=2, init='init'))
for act in ACTIVATIONS:
    combos.append(dict(name=f'{act}-hinge-sgd-frozen', activation=act, loss='hinge', optimizer='sgd',
                       freezeOutput=True, bias=True, layers=2, init='init_frozen'))
for act in ('relu', 'gelu'):
    combos.append(dict(name=f'{act}-logistic-adamw-nobias', activation=act, loss='logistic', optimizer='adamw',
                       freezeOutput=False, bias=False, layers=2, init='init_nobias'))
for act in ('relu', 'tanh'):
    combos.append(dict(name=f'{act}-mse-sgd-3layer', activation=act, loss='mse', optimizer='sgd',
                       freezeOutput=False, bias=True, layers=3, init='init_3layer'))


def run(c, dtype):
    """STEPS full-batch updates from the combo's float32 init, computed in dtype."""
    X = torch.from_numpy(shared['train_x']).to(dtype)
    Xt = torch.from_numpy(shared['test_x']).to(dtype)
    Y = torch.from_numpy(shared['y']).to(dtype)
    Vt = torch.from_numpy(shared['transform']).to(dtype).T
    net = Net(c['layers'], c['bias'], c['activation']).to(dtype)
    init = inits[c['init']]
    with torch.no_grad():
        for k, p in net.named():
            p.copy_(torch.from_numpy(init[k]).to(dtype))
    if c['freezeOutput']:
        for p in net.fcs[-1].parameters():
            p.requires_grad = False
    # all parameters go to the optimizer, as in toy.py; ones without gradients are skipped by it
    opt = optimizer(c['optimizer'], net.parameters())
    lf = loss_fn(c['loss'])
    traj = {'train_loss': [], 'ood_loss': [], 'corr_core': [], 'corr_bg': []}

    def record(train_loss):
        with torch.no_grad():
            ood = lf(net(Xt).squeeze(), Y)
            P = net.fcs[0].weight @ Vt
            traj['train_loss'].append(train_loss)
            traj['ood_loss'].append(ood.item())
            traj['corr_core'].append(P[:, :CORE].norm(dim=-1).mean().item())
            traj['corr_bg'].append(P[:, CORE:].norm(dim=-1).mean().item())

    for _ in range(STEPS):
        loss = lf(net(X).squeeze(), Y)
        record(loss.item())
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        record(lf(net(X).squeeze(), Y).item())
    return traj, {k: p.detach().clone() for k, p in net.named()}


def f32_number(v):
    # the shortest decimal that rounds back to the same float32 (values are exact float32s)
    return float(str(np.float32(v)))


os.makedirs(OUT, exist_ok=True)
for k, arr in shared.items():
    save(k, arr)
for prefix, state in inits.items():
    for k, arr in state.items():
        save(f'{prefix}.{k}', arr)

for c in combos:
    t32, w32 = run(c, torch.float32)
    t64, w64 = run(c, torch.float64)
    c['trajectory'] = {k: [f32_number(v) for v in vs] for k, vs in t32.items()}
    c['trajectory_f64'] = t64
    c['final'] = f'final.{c["name"]}'
    env = {}
    for k in w32:
        a, b = w32[k].double(), w64[k]
        save(f'{c["final"]}.{k}', w32[k].numpy())
        env[k] = {
            'relFrobenius': float((b - a).norm() / max(float(a.norm()), 1e-30)),
            'maxAbsDiff': float((b - a).abs().max()),
        }
    c['final_envelope'] = env
    worst = max(max(abs(p - q) / max(abs(q), 1e-30) for p, q in zip(t32[k], t64[k])) for k in t32)
    print(f'{c["name"]:32s} traj f32-vs-f64 max rel {worst:.2e}  final fc0.weight relFrob '
          f'{env["fc0.weight"]["relFrobenius"]:.2e}', flush=True)

manifest = {
    'source': 'scripts/make-combo-references.py (toy.py semantics), PyTorch %s, NumPy %s, CPU, 1 thread'
              % (torch.__version__, np.__version__),
    'settings': {
        'n': N, 'core_dim': CORE, 'bg_dim': BG, 'input_dim': INPUT, 'hidden_dim': HIDDEN, 'nonlinear': True,
        'learning_rate': LR, 'weight_decay': WD, 'opt_momentum': MOMENTUM, 'steps': STEPS, 'seed': SEED,
    },
    'note': 'trajectory[i] is measured after i updates (i = 0..steps; train_loss[i] for i < steps is the loss of '
            'update i+1); trajectory_f64: the same updates in float64 from the same float32 state; final_envelope: '
            'relative Frobenius distance (and max abs diff) between the float64 and float32 final weights; '
            'weights named fc{layer}.{weight|bias}, PyTorch layout [out, in]',
    'shared': ['train_x', 'test_x', 'y', 'transform'],
    'inits': {p: sorted(s) for p, s in inits.items()},
    'combos': combos,
}
# one combination per line keeps the file diffable and small
head = {k: v for k, v in manifest.items() if k != 'combos'}
text = json.dumps(head, indent=1)[:-2] + ',\n "combos": [\n'
text += ',\n'.join('  ' + json.dumps(c, separators=(',', ':')) for c in combos)
text += '\n ]\n}\n'
json.loads(text)  # well-formed
with open(os.path.join(OUT, 'manifest.json'), 'w') as f:
    f.write(text)

total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
print(f'{len(combos)} combos, {len(os.listdir(OUT))} files, {total} bytes ({total / 2**20:.2f} MiB) in {OUT}')
