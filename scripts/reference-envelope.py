#!/usr/bin/env python3
"""How far float32 rounding alone moves the reference state: the envelope fclab's parity tests use.

For each reference folder, re-runs toy.py's first 200 updates in float64 from the same float32 initial
state (as the manifest's trajectory_f64 does) and compares gradients and weights with the float32
PyTorch results. Output: tests/fixtures/<preset>/envelope.json. Needs PyTorch (Debian: python3-torch):
    /usr/bin/python3 scripts/reference-envelope.py REFERENCE_DIR tests/fixtures   (REFERENCE_DIR: the states dumped from toy.py)
"""
import json, os, sys
import numpy as np
import torch

src, dst = sys.argv[1], sys.argv[2]
for preset in ('toy-default', 'toy-theory'):
    d = os.path.join(src, preset)
    man = json.load(open(os.path.join(d, 'manifest.json')))
    s = man['settings']
    ld = lambda name: torch.from_numpy(np.load(os.path.join(d, name)).astype(np.float64))
    X, y = ld('train_x.npy'), ld('y.npy')
    W0, b0, W1, b1 = (ld(f'init.{n}.npy') for n in ('fc0.weight', 'fc0.bias', 'fc1.weight', 'fc1.bias'))
    params = [p.clone().requires_grad_(True) for p in (W0, b0, W1, b1)]
    frozen = s['mlp_freeze_output']
    train = params[:2] if frozen else params
    if s['opt'] == 'sgd':
        opt = torch.optim.SGD(train, lr=s['learning_rate'], momentum=s['opt_momentum'], weight_decay=s['weight_decay'])
    else:
        opt = torch.optim.AdamW(train, lr=s['learning_rate'], weight_decay=s['weight_decay'])
    act = torch.relu
    def loss_fn():
        f = (act(X @ params[0].T + params[1]) @ params[2].T + params[3]).squeeze()
        m = y * f
        if s['loss_name'] == 'logistic':
            return torch.mean(torch.log(1 + torch.exp(-m)))
        return torch.mean(torch.clamp(1 - m, min=0))
    out = {'source': 'scripts/reference-envelope.py (PyTorch %s, float64)' % torch.__version__, 'grad0': {}, 'step200': {}}
    names = ['fc0.weight', 'fc0.bias', 'fc1.weight', 'fc1.bias']
    for i in range(200):
        opt.zero_grad()
        loss_fn().backward()
        if i == 0:
            for n, p in zip(names, params):
                if p.grad is None or (frozen and n.startswith('fc1')):
                    continue
                ref = ld(f'grad0.{n}.npy')
                out['grad0'][n] = {
                    'maxAbsDiff': float((p.grad - ref).abs().max()),
                    'relFrobenius': float((p.grad - ref).norm() / ref.norm()),
                }
        opt.step()
    for n, p in zip(names, params):
        ref = ld(f'step200.{n}.npy')
        out['step200'][n] = {
            'maxAbsDiff': float((p.detach() - ref).abs().max()),
            'relFrobenius': float((p.detach() - ref).norm() / max(float(ref.norm()), 1e-30)),
        }
    os.makedirs(os.path.join(dst, preset), exist_ok=True)
    with open(os.path.join(dst, preset, 'envelope.json'), 'w') as f:
        json.dump(out, f, indent=2)
    print(preset, json.dumps(out, indent=1))
