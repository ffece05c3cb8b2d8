#!/usr/bin/python3
"""Generates tests/fixtures/engine/*.txt: what PyTorch's nn.Sequential does when trained for a few
optimizer steps, as the layer engine (src/nn, simdnorm::nn::Sequential) must reproduce it.

Eight models (a small CNN with BatchNorm2d, an MLP with BatchNorm1d including momentum=None, an
LSTM returning its last hidden state, an LSTM returning the sequence under a per-step Linear, a
tanh RNN, and the recurrent batch-normalized LSTM of Cooijmans et al. 2016 with per-step and
shared statistics, written below from the paper's equations), trained with SGD (momentum +
weight decay; Nesterov with clip_grad_norm_), Adam (weight decay) or RMSprop (centered, momentum)
as CASES lists. Each case: the initial state dict, then per step a fixed batch in train mode
(zero_grad, forward, mean cross-entropy, backward, [clip], step) with its loss and logits, then
the final state dict and the logits of an eval-mode pass; the BN-LSTMs returning their last
state also run an eval pass on sequences longer than the trained ones (eval_long_*).

Regenerate (only when adding cases; the files are committed and the tests read them):
    /usr/bin/python3 tests/pytorch/make_engine_fixtures.py
Format: as tests/fixtures/README.md (one record per line, `key token ...`, 9 significant digits).
The model specs are written twice on purpose, here and in src/nn/tests/pytorch_parity_test.cpp:
the test compares two independent descriptions of the same network.
"""

import math
import os

import torch
from torch import nn

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "engine")
STEPS = 4
BATCH = 6


def fmt(v):
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return "%.9g" % v


def values(t):
    return " ".join(fmt(v) for v in t.detach().contiguous().reshape(-1).tolist())


def cnn():
    # [1, 10, 10] → conv 4 → BN2d → ReLU → max-pool → [4, 5, 5] → conv 6 stride 2 pad 1 → [6, 3, 3]
    # → Tanh → avg-pool k2 s1 → [6, 2, 2] → flatten 24 → linear 5
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, stride=1, padding=1, bias=False),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3, stride=2, padding=1),
        nn.Tanh(),
        nn.AvgPool2d(2, stride=1),
        nn.Flatten(),
        nn.Linear(24, 5),
    ), [1, 10, 10], 5


def mlp():
    return nn.Sequential(
        nn.Linear(6, 8, bias=False),
        nn.BatchNorm1d(8),
        nn.Sigmoid(),
        nn.Linear(8, 8, bias=False),  # no bias where BN follows: its true gradient is 0
        nn.BatchNorm1d(8, momentum=None, eps=1e-3),
        nn.ReLU(),
        nn.Linear(8, 4),
    ), [6], 4


class LSTMLast(nn.LSTM):
    """nn.LSTM returning the last step's hidden state, so it chains in nn.Sequential with the
    state-dict keys of nn.LSTM itself ('0.weight_ih_l0', ...)."""

    def forward(self, x):
        return super().forward(x)[0][:, -1]


class LSTMSequence(nn.LSTM):
    """nn.LSTM returning every step's hidden state [N, T, H]."""

    def forward(self, x):
        return super().forward(x)[0]


class RNNLast(nn.RNN):
    """nn.RNN (tanh) returning the last step's hidden state."""

    def forward(self, x):
        return super().forward(x)[0][:, -1]


def rnn_last():
    # [5, 4] → RNN 6 (tanh, last step) → Linear 3
    return nn.Sequential(RNNLast(4, 6, batch_first=True), nn.Linear(6, 3)), [5, 4], 3


def lstm_last():
    # [5 steps, 4 features] → LSTM 6 (last step) → Linear 3
    return nn.Sequential(LSTMLast(4, 6, batch_first=True), nn.Linear(6, 3)), [5, 4], 3


def lstm_sequence():
    # [5, 4] → LSTM 6 (every step) → Linear 3 per step → Tanh → Flatten 15 → Linear 3
    return nn.Sequential(
        LSTMSequence(4, 6, batch_first=True),
        nn.Linear(6, 3),
        nn.Tanh(),
        nn.Flatten(),
        nn.Linear(15, 3),
    ), [5, 4], 3


class StepBatchNorm(nn.Module):
    """Batch normalization with `slots` rows of running statistics (one per time step, or one
    for all steps), γ (and β if `shift`) shared: Cooijmans et al. 2016, §3. Written out from the
    definition (not F.batch_norm): training normalizes with the batch's mean and biased variance
    and moves slot min(t, slots - 1) by momentum 0.1 (unbiased variance, as nn.BatchNorm1d); eval
    uses that slot's running statistics, or the last trained slot's for later steps."""

    def __init__(self, num_features, slots, shift):
        super().__init__()
        self.weight = nn.Parameter(torch.full((num_features,), 0.1))  # the paper's γ init
        self.bias = nn.Parameter(torch.zeros(num_features)) if shift else None
        self.register_buffer("running_mean", torch.zeros(slots, num_features))
        self.register_buffer("running_var", torch.ones(slots, num_features))
        self.register_buffer("num_batches_tracked", torch.zeros(slots, dtype=torch.long))
        self.eps = 1e-5
        self.momentum = 0.1

    def forward(self, x, t):
        slot = min(t, self.running_mean.shape[0] - 1)
        if self.training:
            mean = x.mean(0)
            var = ((x - mean) ** 2).mean(0)
            with torch.no_grad():
                n, m = x.shape[0], self.momentum
                self.running_mean[slot] = (1 - m) * self.running_mean[slot] + m * mean
                self.running_var[slot] = (1 - m) * self.running_var[slot] + m * var * n / (n - 1)
                self.num_batches_tracked[slot] += 1
        else:
            trained = [i for i in range(self.running_mean.shape[0]) if self.num_batches_tracked[i] > 0]
            if trained:
                slot = min(slot, trained[-1])
            mean, var = self.running_mean[slot], self.running_var[slot]
        y = (x - mean) / torch.sqrt(var + self.eps) * self.weight
        return y + self.bias if self.bias is not None else y


class BNLSTM(nn.Module):
    """The batch-normalized LSTM of Cooijmans et al. 2016 (eqs. 6-8) with nn.LSTM's gate order
    (i, f, g, o), parameter names and init, batch-first, zero initial state:
        gates = BN_ih(W_ih x_t) + BN_hh(W_hh h_{t-1}) + b_ih + b_hh
        c_t = σ(f) c_{t-1} + σ(i) tanh(g),   h_t = σ(o) tanh(BN_c(c_t))
    BN_ih and BN_hh without β (the paper sets β_x = β_h = 0: b shifts the gates), BN_c with β.
    mode 'per-step': max_length slots of statistics; 'shared': one slot."""

    def __init__(self, input_size, hidden_size, mode, max_length, sequences):
        super().__init__()
        h = hidden_size
        bound = 1 / math.sqrt(h)
        self.weight_ih_l0 = nn.Parameter(torch.empty(4 * h, input_size).uniform_(-bound, bound))
        self.weight_hh_l0 = nn.Parameter(torch.empty(4 * h, h).uniform_(-bound, bound))
        self.bias_ih_l0 = nn.Parameter(torch.empty(4 * h).uniform_(-bound, bound))
        self.bias_hh_l0 = nn.Parameter(torch.empty(4 * h).uniform_(-bound, bound))
        slots = max_length if mode == "per-step" else 1
        self.bn_ih = StepBatchNorm(4 * h, slots, shift=False)
        self.bn_hh = StepBatchNorm(4 * h, slots, shift=False)
        self.bn_c = StepBatchNorm(h, slots, shift=True)
        self.hidden_size = h
        self.sequences = sequences

    def forward(self, x):
        n, steps, _ = x.shape
        h = x.new_zeros(n, self.hidden_size)
        c = x.new_zeros(n, self.hidden_size)
        outputs = []
        for t in range(steps):
            gates = (self.bn_ih(x[:, t] @ self.weight_ih_l0.t(), t)
                     + self.bn_hh(h @ self.weight_hh_l0.t(), t) + self.bias_ih_l0 + self.bias_hh_l0)
            i, f, g, o = gates.chunk(4, 1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(self.bn_c(c, t))
            outputs.append(h)
        return torch.stack(outputs, 1) if self.sequences else h


def bn_lstm_per_step():
    # [5, 4] → BN-LSTM 6, per-step statistics (5 slots), last step → Linear 3
    return nn.Sequential(BNLSTM(4, 6, "per-step", 5, False), nn.Linear(6, 3)), [5, 4], 3


def bn_lstm_shared():
    # [5, 4] → BN-LSTM 6, one set of statistics for every step, last step → Linear 3
    return nn.Sequential(BNLSTM(4, 6, "shared", 1, False), nn.Linear(6, 3)), [5, 4], 3


def bn_lstm_sequence():
    # [5, 4] → BN-LSTM 6 per-step (every step) → Linear 3 per step → Tanh → Flatten 15 → Linear 3
    return nn.Sequential(
        BNLSTM(4, 6, "per-step", 5, True),
        nn.Linear(6, 3),
        nn.Tanh(),
        nn.Flatten(),
        nn.Linear(15, 3),
    ), [5, 4], 3


# Models whose eval pass also runs sequences of this many steps (longer than the trained 5).
LONG_EVAL_STEPS = {"bn_lstm_per_step": 8, "bn_lstm_shared": 8}


OPTIMIZERS = {
    "sgd": (lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=5e-4),
            "lr 0.1\nmomentum 0.9\ndampening 0\nweight_decay 0.0005\nnesterov 0"),
    "nesterov": (lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.8, nesterov=True),
                 "lr 0.05\nmomentum 0.8\ndampening 0\nweight_decay 0\nnesterov 1"),
    "adam": (lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.9, 0.99), eps=1e-7, weight_decay=1e-3),
             "lr 0.01\nbeta1 0.9\nbeta2 0.99\neps 1e-07\nweight_decay 0.001"),
    "rmsprop": (lambda p: torch.optim.RMSprop(p, lr=0.005, alpha=0.9, eps=1e-6, weight_decay=1e-4,
                                              momentum=0.5, centered=True),
                "lr 0.005\nalpha 0.9\neps 1e-06\nweight_decay 0.0001\nmomentum 0.5\ncentered 1"),
}

CASES = [
    ("cnn_sgd", cnn, "sgd", 0.0),
    ("cnn_adam", cnn, "adam", 0.0),
    ("cnn_rmsprop", cnn, "rmsprop", 0.0),
    ("mlp_sgd", mlp, "sgd", 0.0),
    ("mlp_nesterov_clip", mlp, "nesterov", 0.5),
    ("mlp_adam", mlp, "adam", 0.0),
    ("lstm_last_adam", lstm_last, "adam", 0.0),
    ("lstm_sequence_sgd", lstm_sequence, "sgd", 0.0),
    ("rnn_last_rmsprop", rnn_last, "rmsprop", 0.0),
    ("bn_lstm_per_step_sgd", bn_lstm_per_step, "sgd", 0.0),
    ("bn_lstm_per_step_adam", bn_lstm_per_step, "adam", 0.0),
    ("bn_lstm_shared_sgd", bn_lstm_shared, "sgd", 0.0),
    ("bn_lstm_shared_adam", bn_lstm_shared, "adam", 0.0),
    ("bn_lstm_sequence_adam", bn_lstm_sequence, "adam", 0.0),
]


def write_case(name, make_model, opt_name, clip, seed):
    torch.manual_seed(seed)
    model, input_shape, classes = make_model()
    make_opt, opt_text = OPTIMIZERS[opt_name]
    opt = make_opt(model.parameters())
    lines = [
        "# simdnorm engine fixture v1: generated by tests/pytorch/make_engine_fixtures.py (torch %s)"
        % torch.__version__,
        "case " + name,
        "model " + make_model.__name__,
        "input_shape " + " ".join(str(d) for d in input_shape),
        "classes %d" % classes,
        "optimizer " + ("sgd" if opt_name == "nesterov" else opt_name),
        opt_text,
        "clip " + fmt(clip),
        "steps %d" % STEPS,
        "batch %d" % BATCH,
    ]
    for key, t in model.state_dict().items():
        lines.append("shape.%s %s" % (key, " ".join(str(d) for d in t.shape)))
        lines.append("init.%s %s" % (key, values(t)))
    model.train()
    for step in range(STEPS):
        x = torch.randn(BATCH, *input_shape) * 1.5 + 0.3
        labels = torch.randint(0, classes, (BATCH,))
        opt.zero_grad()
        logits = model(x)
        loss = nn.functional.cross_entropy(logits, labels)
        loss.backward()
        if clip > 0:
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
            lines.append("grad_norm.%d %s" % (step, fmt(norm)))
        opt.step()
        lines.append("x.%d %s" % (step, values(x)))
        lines.append("labels.%d %s" % (step, " ".join(str(int(v)) for v in labels)))
        lines.append("loss.%d %s" % (step, fmt(loss)))
        lines.append("logits.%d %s" % (step, values(logits)))
    for key, t in model.state_dict().items():
        lines.append("final.%s %s" % (key, values(t)))
    model.eval()
    x = torch.randn(BATCH, *input_shape)
    with torch.no_grad():
        lines.append("eval_x %s" % values(x))
        lines.append("eval_logits %s" % values(model(x)))
        long_steps = LONG_EVAL_STEPS.get(make_model.__name__)
        if long_steps:
            x = torch.randn(BATCH, long_steps, *input_shape[1:])
            lines.append("eval_long_steps %d" % long_steps)
            lines.append("eval_long_x %s" % values(x))
            lines.append("eval_long_logits %s" % values(model(x)))
    with open(os.path.join(OUT_DIR, name + ".txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT_DIR, exist_ok=True)
    for seed, (name, make_model, opt_name, clip) in enumerate(CASES):
        write_case(name, make_model, opt_name, clip, seed)
        print("wrote", name)


if __name__ == "__main__":
    main()
