"""Writes reference_network.json: PyTorch's forward and backward passes that LikenessCore's
layers are checked against.

Re-run (from this folder, with a venv holding the pinned torch and numpy of
Benchmarks/peers/requirements.txt, and Debian's dataset-fashion-mnist installed):

    python3 -m venv /tmp/likeness-venv
    /tmp/likeness-venv/bin/pip install -r ../../../Benchmarks/peers/requirements.txt
    /tmp/likeness-venv/bin/python make_reference_fixture.py

Contents (every tensor is {"shape": [...], "data": base64 of little-endian float32, row-major}):

- The reference network of PROTOCOL.md with its softmax head, in PyTorch's layouts
  (conv weight [out, in, kh, kw], linear weight [out, in]):
  conv1 3×3 pad 1 → ReLU → max-pool 2×2 → conv2 3×3 pad 1 → ReLU → max-pool 2×2
  → flatten in N×C×H×W order (64·7·7 = 3136) → dropout (identity: evaluation mode) → dense 10.
  Input: the first 4 Fashion-MNIST training images in [0, 1], shape [4, 1, 28, 28].
  Loss: mean softmax cross-entropy on the true labels. Recorded: input, labels, parameters,
  logits, loss, the gradient of every parameter and of the input.
  Max-pool ties: the black background gives exactly equal maxima in thousands of windows of both
  pools ("meta" counts them). PyTorch sends the gradient to the first maximum of the window in
  row-major order. The parameter gradients do not depend on that choice (tied windows see identical
  patches), but input_gradient does: a layer that breaks ties otherwise gets a different one.
- "weighted_ce": CrossEntropyLoss(weight=class_weights) on the same logits,
  i.e. sum_i w[y_i] · CE_i / sum_i w[y_i]; loss and gradient with respect to the logits.
- "batchnorm": BatchNorm2d(3) in training mode (batch statistics, biased variance for the output,
  unbiased variance for running_var), running statistics starting at mean 0, variance 1;
  loss = sum(output · projection).
- "l2normalize": F.normalize(x, dim=1, eps=1e-12) = x / max(‖x‖₂, eps) per row;
  loss = sum(output · projection).

Every number is computed in float32 and again in float64; the script fails if they disagree
beyond float32 rounding, so the fixture does not record an unstable value.
"""

import base64
import gzip
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA_DIR = "/usr/share/datasets/fashion-mnist"
OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference_network.json")
CLASS_WEIGHTS = [0.5, 1.5, 0.8, 2.0, 1.2, 0.3, 1.7, 0.9, 1.1, 2.5]
# Relative to the largest magnitude of each tensor: float32 keeps about 7 digits, and the
# network sums a few thousand products, so agreement to 1e-5 shows no cancellation hides an error.
RELATIVE_TOLERANCE = 1e-5


class ReferenceNetwork(nn.Module):
    """PROTOCOL.md's backbone with the softmax head."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3, padding=1)
        self.dropout = nn.Dropout(0.5)
        self.dense = nn.Linear(64 * 7 * 7, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.dense(self.dropout(torch.flatten(x, 1)))


def read_idx(path, count):
    """The first `count` items of a gzip IDX file (magic, big-endian dimensions, UInt8 data)."""
    with gzip.open(path, "rb") as f:
        header = f.read(4)
        dimension_count = header[3]
        dims = np.frombuffer(f.read(4 * dimension_count), dtype=">u4").astype(int)
        item_size = int(np.prod(dims[1:])) if dimension_count > 1 else 1
        data = np.frombuffer(f.read(count * item_size), dtype=np.uint8)
    return data.reshape((count, *dims[1:]))


def encode(tensor):
    array = np.ascontiguousarray(tensor.detach().cpu().numpy(), dtype="<f4")
    return {"shape": list(array.shape), "data": base64.b64encode(array.tobytes()).decode("ascii")}


def check_stable(name, single, double):
    """Fails when the float32 value differs from the float64 one beyond float32 rounding."""
    single = single.detach().double()
    double = double.detach()
    scale = max(double.abs().max().item(), 1e-30)
    error = (single - double).abs().max().item() / scale
    if not error <= RELATIVE_TOLERANCE:
        sys.exit(f"{name}: float32 and float64 differ by {error:.3g} (relative), "
                 f"more than {RELATIVE_TOLERANCE}; the fixture would record an unstable value")
    return error


def network_case(images, labels, dtype, state):
    """Forward and backward of the reference network in `dtype`, from the float32 `state`."""
    model = ReferenceNetwork().to(dtype)
    model.load_state_dict({k: v.to(dtype) for k, v in state.items()})
    model.eval()
    x = images.to(dtype).clone().requires_grad_(True)
    logits = model(x)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    gradients = {name: p.grad for name, p in model.named_parameters()}

    weights = torch.tensor(CLASS_WEIGHTS, dtype=dtype)
    leaf_logits = logits.detach().clone().requires_grad_(True)
    weighted_loss = nn.CrossEntropyLoss(weight=weights)(leaf_logits, labels)
    weighted_loss.backward()
    return {"input": x, "logits": logits, "loss": loss, "gradients": gradients,
            "input_gradient": x.grad, "weighted_loss": weighted_loss,
            "weighted_logits_gradient": leaf_logits.grad}


def pool_ties(model, images):
    """Windows of the two max-pools whose maximum is positive and occurs more than once."""
    with torch.no_grad():
        a1 = F.relu(model.conv1(images))
        a2 = F.relu(model.conv2(F.max_pool2d(a1, 2)))
    counts = []
    for a in (a1, a2):
        windows = F.unfold(a.flatten(0, 1).unsqueeze(1), kernel_size=2, stride=2)
        maxima = windows.max(dim=1, keepdim=True).values
        counts.append(int((((windows == maxima).sum(dim=1) > 1) & (maxima[:, 0] > 0)).sum()))
    return counts


def batchnorm_case(x, weight, bias, projection, dtype):
    layer = nn.BatchNorm2d(3, eps=1e-5, momentum=0.1).to(dtype)
    with torch.no_grad():
        layer.weight.copy_(weight)
        layer.bias.copy_(bias)
    layer.train()
    x = x.to(dtype).clone().requires_grad_(True)
    output = layer(x)
    (output * projection.to(dtype)).sum().backward()
    return {"output": output, "running_mean": layer.running_mean, "running_var": layer.running_var,
            "input_gradient": x.grad, "weight_gradient": layer.weight.grad,
            "bias_gradient": layer.bias.grad}


def l2normalize_case(x, projection, dtype):
    x = x.to(dtype).clone().requires_grad_(True)
    output = F.normalize(x, dim=1, eps=1e-12)
    (output * projection.to(dtype)).sum().backward()
    return {"output": output, "input_gradient": x.grad}


def main():
    count = 4
    images = torch.from_numpy(
        read_idx(os.path.join(DATA_DIR, "train-images-idx3-ubyte.gz"), count).astype(np.float32) / 255
    ).reshape(count, 1, 28, 28)
    labels = torch.from_numpy(
        read_idx(os.path.join(DATA_DIR, "train-labels-idx1-ubyte.gz"), count).astype(np.int64))

    torch.manual_seed(0)
    model = ReferenceNetwork()
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    single = network_case(images, labels, torch.float32, state)
    double = network_case(images, labels, torch.float64, state)
    errors = {"logits": check_stable("logits", single["logits"], double["logits"]),
              "loss": check_stable("loss", single["loss"], double["loss"]),
              "input_gradient": check_stable("input_gradient", single["input_gradient"],
                                             double["input_gradient"]),
              "weighted_ce.loss": check_stable("weighted_ce.loss", single["weighted_loss"],
                                               double["weighted_loss"]),
              "weighted_ce.logits_gradient": check_stable(
                  "weighted_ce.logits_gradient", single["weighted_logits_gradient"],
                  double["weighted_logits_gradient"])}
    for name in single["gradients"]:
        errors[f"gradients.{name}"] = check_stable(
            f"gradients.{name}", single["gradients"][name], double["gradients"][name])
    ties = pool_ties(model, images)

    generator = torch.Generator().manual_seed(1)
    bn_input = torch.randn(4, 3, 5, 5, generator=generator) * 2 + 0.5
    bn_weight = 1 + 0.5 * torch.randn(3, generator=generator)
    bn_bias = 0.3 * torch.randn(3, generator=generator)
    bn_projection = torch.randn(4, 3, 5, 5, generator=generator)
    bn = {dtype: batchnorm_case(bn_input, bn_weight, bn_bias, bn_projection, dtype)
          for dtype in (torch.float32, torch.float64)}
    for key in bn[torch.float32]:
        errors[f"batchnorm.{key}"] = check_stable(
            f"batchnorm.{key}", bn[torch.float32][key], bn[torch.float64][key])

    generator = torch.Generator().manual_seed(2)
    # Rows of different lengths, so normalising does more than divide by one common norm.
    l2_input = torch.randn(5, 8, generator=generator) * torch.tensor([[0.1], [1.0], [3.0], [0.5], [10.0]])
    l2_projection = torch.randn(5, 8, generator=generator)
    l2 = {dtype: l2normalize_case(l2_input, l2_projection, dtype)
          for dtype in (torch.float32, torch.float64)}
    for key in l2[torch.float32]:
        errors[f"l2normalize.{key}"] = check_stable(
            f"l2normalize.{key}", l2[torch.float32][key], l2[torch.float64][key])

    fixture = {
        "meta": {
            "generator": "make_reference_fixture.py",
            "torch": torch.__version__,
            "seed": 0,
            "layouts": "conv weight [out, in, kh, kw]; linear weight [out, in]; activations N×C×H×W",
            "max_pool_ties_with_positive_maximum": {"pool1": ties[0], "pool2": ties[1]},
            "max_relative_error_float32_vs_float64": max(errors.values()),
        },
        "input": encode(images),
        "labels": labels.tolist(),
        "parameters": {name: encode(p) for name, p in model.named_parameters()},
        "logits": encode(single["logits"]),
        "loss": single["loss"].item(),
        "gradients": {name: encode(g) for name, g in single["gradients"].items()},
        "input_gradient": encode(single["input_gradient"]),
        "weighted_ce": {
            "class_weights": CLASS_WEIGHTS,
            "loss": single["weighted_loss"].item(),
            "logits_gradient": encode(single["weighted_logits_gradient"]),
        },
        "batchnorm": {
            "eps": 1e-5,
            "momentum": 0.1,
            "input": encode(bn_input),
            "weight": encode(bn_weight),
            "bias": encode(bn_bias),
            "projection": encode(bn_projection),
            "output": encode(bn[torch.float32]["output"]),
            "running_mean": encode(bn[torch.float32]["running_mean"]),
            "running_var": encode(bn[torch.float32]["running_var"]),
            "input_gradient": encode(bn[torch.float32]["input_gradient"]),
            "weight_gradient": encode(bn[torch.float32]["weight_gradient"]),
            "bias_gradient": encode(bn[torch.float32]["bias_gradient"]),
        },
        "l2normalize": {
            "eps": 1e-12,
            "input": encode(l2_input),
            "projection": encode(l2_projection),
            "output": encode(l2[torch.float32]["output"]),
            "input_gradient": encode(l2[torch.float32]["input_gradient"]),
        },
    }

    temporary = OUTPUT + ".tmp"
    with open(temporary, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    os.replace(temporary, OUTPUT)

    print(f"wrote {OUTPUT} ({os.path.getsize(OUTPUT) / 1e6:.2f} MB), torch {torch.__version__}")
    print(f"labels {labels.tolist()}, loss {single['loss'].item():.6f}, "
          f"weighted loss {single['weighted_loss'].item():.6f}")
    print(f"max-pool ties with a positive maximum: pool1 {ties[0]}, pool2 {ties[1]}")
    worst = max(errors, key=errors.get)
    print(f"float32 vs float64: worst relative error {errors[worst]:.2e} ({worst})")


if __name__ == "__main__":
    main()
