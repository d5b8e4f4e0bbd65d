#!/usr/bin/env python3
"""PyTorch peer for bench/run.js: the training step of the paper's official toy.py (full batch,
MLP 256-256-1, ReLU), timed like fclab's. Prints one JSON object on stdout.

Usage: python3 bench/peer_pytorch.py <preset> <steps> <repeats> [threads]
(the BLAS and its threads come from the environment: LD_LIBRARY_PATH, OPENBLAS_NUM_THREADS)
"""
import json, sys, time
import torch

preset, steps, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
if len(sys.argv) > 4:
    torch.set_num_threads(int(sys.argv[4]))
torch.manual_seed(2024)
n, core, bg, d, m = 1000, 32, 32, 256, 256
theory = preset == 'toy-theory'

model = torch.nn.Sequential(torch.nn.Linear(d, m), torch.nn.ReLU(), torch.nn.Linear(m, 1))
if theory:
    model[2].weight.data[:, : m // 2] = 1.0 / m
    model[2].weight.data[:, m // 2:] = -1.0 / m
    for p in model[2].parameters():
        p.requires_grad = False
V = torch.linalg.svd(torch.randn(core + bg, d), full_matrices=False)[2]
if theory:
    zc = torch.cat([torch.rand(n // 2, core), -torch.rand(n // 2, core)])
else:
    g = torch.randn(n, core)
    zc = g / g.norm(dim=-1, keepdim=True) * torch.cat([torch.ones(n // 2, 1), 2 * torch.ones(n // 2, 1)])
X = torch.cat([zc, torch.rand(n, bg)], dim=-1) @ V
y = torch.cat([torch.ones(n // 2), -torch.ones(n // 2)])
params = [p for p in model.parameters() if p.requires_grad]
if theory:
    opt = torch.optim.SGD(params, lr=1e-3, momentum=0.9, weight_decay=1e-3)
    loss_fn = lambda f: torch.mean(torch.clamp(1 - y * f, min=0))
else:
    opt = torch.optim.AdamW(params, lr=1e-3, weight_decay=1e-3)
    loss_fn = lambda f: torch.mean(torch.log(1 + torch.exp(-y * f)))

def train(k):
    for _ in range(k):
        loss = loss_fn(model(X).squeeze())
        opt.zero_grad()
        loss.backward()
        opt.step()

train(20)
times = []
for _ in range(repeats):
    t = time.perf_counter()
    train(steps)
    times.append((time.perf_counter() - t) / steps * 1000)
print(json.dumps({'msPerIter': times, 'torch': torch.__version__, 'threads': torch.get_num_threads()}))
