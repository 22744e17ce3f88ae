"""Writes generative_layers.json: PyTorch's forward and backward passes of the layers of
LikenessCore's GAN (ConvTranspose2d, LeakyReLU, Tanh), which PyTorchParityTests.swift checks
("generativeLayers" tests).

Re-run (from this folder, with a venv holding the pinned torch and numpy of
Benchmarks/peers/requirements.txt):

    python3 -m venv /tmp/likeness-venv
    /tmp/likeness-venv/bin/pip install -r ../../../Benchmarks/peers/requirements.txt
    /tmp/likeness-venv/bin/python make_generative_layers_fixture.py

Contents (every tensor is {"shape": [...], "data": base64 of little-endian float32, row-major}):

- "conv_transpose": a list of nn.ConvTranspose2d cases in PyTorch's layouts (weight
  [in, out, kh, kw]), each with its "in_channels", "out_channels", "kernel_size", "stride",
  "padding", "output_padding", and "input", "weight", "bias", "output", "projection",
  "input_gradient", "weight_gradient", "bias_gradient" for loss = sum(output · projection).
- "leaky_relu" (negative_slope 0.2) and "tanh": "input", "output", "projection", "input_gradient".

Every number is computed in float32 and again in float64; the script fails if they disagree
beyond float32 rounding, so the fixture does not record an unstable value.
"""

import json
import os

import numpy as np
import torch

from fixture_encoding import check_stable, encode

OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "generative_layers.json")
# (in, out, kernel, stride, padding, output_padding, input height, input width)
CONV_TRANSPOSE_CASES = [
    (4, 3, 4, 2, 1, 0, 5, 4),  # DCGAN's doubling step
    (3, 2, 3, 2, 1, 1, 4, 3),  # odd kernel, output padding
    (2, 3, 3, 1, 0, 0, 3, 3),  # stride 1: a full convolution
    (3, 2, 3, 3, 2, 2, 3, 2),  # stride above the kernel's overlap
]


def conv_transpose_case(arrays, dtype, cin, cout, kernel, stride, padding, output_padding):
    layer = torch.nn.ConvTranspose2d(cin, cout, kernel, stride=stride, padding=padding, output_padding=output_padding).to(dtype)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(arrays["weight"], dtype=dtype))
        layer.bias.copy_(torch.tensor(arrays["bias"], dtype=dtype))
    x = torch.tensor(arrays["input"], dtype=dtype, requires_grad=True)
    y = layer(x)
    (y * torch.tensor(arrays["projection"], dtype=dtype)).sum().backward()
    return {"output": y.detach().numpy(), "input_gradient": x.grad.numpy(),
            "weight_gradient": layer.weight.grad.numpy(), "bias_gradient": layer.bias.grad.numpy()}


def elementwise_case(module, arrays, dtype):
    x = torch.tensor(arrays["input"], dtype=dtype, requires_grad=True)
    y = module(x)
    (y * torch.tensor(arrays["projection"], dtype=dtype)).sum().backward()
    return {"output": y.detach().numpy(), "input_gradient": x.grad.numpy()}


def stable(name, run, arrays):
    """Runs `run(arrays, dtype)` in float32 and float64 and returns the float64 results, encoded."""
    cases = {dtype: run(arrays, dtype) for dtype in (torch.float32, torch.float64)}
    for key in cases[torch.float64]:
        check_stable(f"{name}.{key}", cases[torch.float32][key], cases[torch.float64][key])
    return {key: encode(value) for key, value in cases[torch.float64].items()}


def main():
    rng = np.random.default_rng(20261213)
    fixture = {"versions": {"torch": torch.__version__, "numpy": np.__version__}, "conv_transpose": []}
    for cin, cout, kernel, stride, padding, output_padding, height, width in CONV_TRANSPOSE_CASES:
        out_height = (height - 1) * stride - 2 * padding + kernel + output_padding
        out_width = (width - 1) * stride - 2 * padding + kernel + output_padding
        arrays = {
            "input": rng.standard_normal((2, cin, height, width)).astype(np.float32),
            "weight": (0.3 * rng.standard_normal((cin, cout, kernel, kernel))).astype(np.float32),
            "bias": rng.standard_normal(cout).astype(np.float32),
            "projection": rng.standard_normal((2, cout, out_height, out_width)).astype(np.float32),
        }
        settings = dict(cin=cin, cout=cout, kernel=kernel, stride=stride, padding=padding, output_padding=output_padding)
        results = stable(f"conv_transpose {settings}", lambda a, dtype: conv_transpose_case(a, dtype, **settings), arrays)
        fixture["conv_transpose"].append({
            "in_channels": cin, "out_channels": cout, "kernel_size": kernel, "stride": stride, "padding": padding,
            "output_padding": output_padding, **{k: encode(v) for k, v in arrays.items()}, **results})
    for name, module in (("leaky_relu", torch.nn.LeakyReLU(0.2)), ("tanh", torch.nn.Tanh())):
        # Inputs away from 0, where LeakyReLU's kink is; Tanh gets some saturated ones.
        x = rng.standard_normal((3, 2, 4, 5)) * 2
        x = np.where(np.abs(x) < 0.05, 0.1, x).astype(np.float32)
        arrays = {"input": x, "projection": rng.standard_normal(x.shape).astype(np.float32)}
        fixture[name] = {**{k: encode(v) for k, v in arrays.items()},
                         **stable(name, lambda a, dtype: elementwise_case(module, a, dtype), arrays)}
    fixture["leaky_relu"]["negative_slope"] = 0.2

    with open(OUTPUT, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
