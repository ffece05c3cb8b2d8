#!/usr/bin/python3
"""PyTorch's side of the engine benchmark: one SGD training step of issue 11's two benchmark
models, exactly as simdnorm_engine_bench's train_step entries (src/nn/model_zoo.cpp):

  cnn: Conv2d(1,16,3,p=1,no bias) BN2d ReLU MaxPool2d(2) Conv2d(16,32,3,p=1,no bias) BN2d ReLU
       MaxPool2d(2) Flatten Linear(1568,10); batch 64, 1×28×28
  mlp: Flatten [Linear(no bias) BN1d Sigmoid] × 3 (784→100→100→100) Linear(100,10); batch 60

SGD lr 0.01, momentum 0.9; a fixed batch of standard normals, labels i % 10. A step is zero_grad,
forward, mean cross-entropy, backward, optimizer step and the loss as a Python float (what the
engine's train_step returns). One thread (torch.set_num_threads(1)), CPU time of this process
(time.process_time, as Google Benchmark's default), so other jobs on a shared machine cost both
sides alike. Writes Google Benchmark-shaped JSON, merged by bench/report/engine.mjs.

  /usr/bin/python3 bench/native/torch_train_step.py --out torch.json [--repetitions 5] [--min-time 0.5]
"""

import argparse
import json
import os
import time

import torch
from torch import nn

# Forward + backward ≈ 3× the forward's multiply-adds, 2 flops each (engine_ops.cpp's constants).
CNN_FLOPS = 3 * 2 * (16 * 9 * 28 * 28 + 32 * 16 * 9 * 14 * 14 + 1568 * 10)
MLP_FLOPS = 3 * 2 * (784 * 100 + 100 * 100 * 2 + 100 * 10)


def cnn():
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 10))


def mlp():
    layers = [nn.Flatten()]
    width = 784
    for _ in range(3):
        layers += [nn.Linear(width, 100, bias=False), nn.BatchNorm1d(100), nn.Sigmoid()]
        width = 100
    return nn.Sequential(*layers, nn.Linear(100, 10))


CASES = [
    ("train_step/pytorch/mnist_cnn_batch64", cnn, 64, CNN_FLOPS, "ms"),
    ("train_step/pytorch/bn_mlp_784_100x3_10_batch60", mlp, 60, MLP_FLOPS, "us"),
]


def measure(make, batch, flops, repetitions, min_time):
    torch.manual_seed(1)
    model = make()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(batch, 1, 28, 28)
    labels = torch.arange(batch) % 10

    def step():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), labels)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(3):  # warm-up: allocator, oneDNN primitive cache
        step()
    runs = []
    for _ in range(repetitions):
        iterations, cpu0, wall0 = 0, time.process_time(), time.perf_counter()
        while True:
            step()
            iterations += 1
            cpu = time.process_time() - cpu0
            if cpu >= min_time:
                break
        wall = time.perf_counter() - wall0
        runs.append((iterations, cpu, wall))
    return runs


def blas_library():
    """The BLAS PyTorch's Linear layers call (Debian's build links the generic libblas.so.3, which
    update-alternatives points at the reference BLAS, OpenBLAS or BLIS)."""
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "blas" in line.rsplit("/", 1)[-1]}
    return ", ".join(sorted(os.path.realpath(p) for p in paths)) or "not found"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--min-time", type=float, default=0.5, help="CPU seconds per repetition")
    args = parser.parse_args()
    torch.set_num_threads(1)
    benchmarks = []
    for name, make, batch, flops, unit in CASES:
        scale = {"ms": 1e3, "us": 1e6}[unit]
        for iterations, cpu, wall in measure(make, batch, flops, args.repetitions, args.min_time):
            benchmarks.append({
                "name": name, "run_name": name, "run_type": "iteration", "iterations": iterations,
                "real_time": wall / iterations * scale, "cpu_time": cpu / iterations * scale,
                "time_unit": unit, "steps/s": iterations / cpu,
                "GFLOP/s": iterations * batch * flops / 1e9 / cpu,
            })
    context = {"torch": torch.__version__, "threads": torch.get_num_threads(),
               "blas": blas_library()}
    with open(args.out, "w") as f:
        json.dump({"context": context, "benchmarks": benchmarks}, f, indent=1)


if __name__ == "__main__":
    main()
