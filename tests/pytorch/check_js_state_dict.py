"""Loads a state dict saved by sn.nn (tests/js/nn_torch_roundtrip.test.mjs) into the same
torch.nn.Sequential, strictly, and checks that PyTorch's eval-mode logits on the saved input are
the ones the JS model computed. Usage: check_js_state_dict.py <file.json>; exit status 0 = match.

The file: {"model": name, "inputShape": [...], "state": {key: {"shape": [...], "values": [...]}},
"x": [...], "logits": [...]}. The models are written here from torch.nn (and the recurrent-BN
LSTM module of make_engine_fixtures.py), independently of the JS.
"""
import json
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_engine_fixtures import BNLSTM  # noqa: E402

MODELS = {
    # The example CNN, with a second conv/BN block and dropout.
    "cnn": lambda: nn.Sequential(
        nn.Conv2d(1, 8, 3, stride=1, padding=1, bias=False),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 6, 3, stride=2, padding=1),
        nn.BatchNorm2d(6, momentum=None, eps=1e-3),
        nn.Tanh(),
        nn.AvgPool2d(2, stride=1),
        nn.Flatten(),
        nn.Dropout(0.25),
        nn.Linear(6 * 2 * 2, 7),
    ),
    "mlp": lambda: nn.Sequential(
        nn.Linear(20, 16, bias=False),
        nn.BatchNorm1d(16),
        nn.Sigmoid(),
        nn.Linear(16, 3),
    ),
    # Recurrent BN: per-step statistics (6 steps) returning the sequence, then shared statistics.
    "bn_lstm": lambda: nn.Sequential(
        BNLSTM(5, 8, "per-step", 6, True),
        BNLSTM(8, 6, "shared", 1, False),
        nn.Linear(6, 3),
    ),
}


def main(path):
    with open(path) as f:
        saved = json.load(f)
    model = MODELS[saved["model"]]()
    ours = model.state_dict()
    state = {}
    for key, t in saved["state"].items():
        like = ours.get(key)
        dtype = like.dtype if like is not None else torch.float32
        state[key] = torch.tensor(t["values"], dtype=torch.float64).to(dtype).reshape(t["shape"])
    model.load_state_dict(state, strict=True)  # raises on a missing or extra key, or a wrong shape
    model.eval()
    x = torch.tensor(saved["x"], dtype=torch.float32).reshape([-1] + saved["inputShape"])
    with torch.no_grad():
        logits = model(x).reshape(-1)
    expected = torch.tensor(saved["logits"], dtype=torch.float32)
    diff = (logits - expected).abs().max().item()
    tracked = {k: v.tolist() for k, v in model.state_dict().items() if k.endswith("num_batches_tracked")}
    print(json.dumps({"maxAbsDiff": diff, "numBatchesTracked": tracked}))
    # Same float32 operations in another order: a few ulp; a wrong key mapping or layout is O(1).
    return 0 if diff <= 1e-4 * (1 + expected.abs().max().item()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
