"""What the make_*_fixture.py scripts share: how an array is written into a fixture, and the check that a
value recorded in float32 is the float64 one up to rounding (a fixture must not record an unstable value)."""

import base64
import sys

import numpy as np

RELATIVE_TOLERANCE = 1e-5


def encode(array):
    """A float32 array as {"shape": [...], "data": base64 of its little-endian bytes}."""
    array = np.ascontiguousarray(np.asarray(array, dtype="<f4"))
    return {"shape": list(array.shape), "data": base64.b64encode(array.tobytes()).decode("ascii")}


def check_stable(name, single, double, tolerance=RELATIVE_TOLERANCE):
    """Fails when the float32 value differs from the float64 one beyond float32 rounding."""
    single, double = np.asarray(single, dtype=np.float64), np.asarray(double, dtype=np.float64)
    error = np.max(np.abs(single - double)) / max(np.max(np.abs(double)), 1e-3)
    if error > tolerance:
        sys.exit(f"{name}: float32 and float64 differ by {error:.3g} (relative)")
