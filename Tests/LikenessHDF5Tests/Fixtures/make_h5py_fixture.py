"""Writes h5py_written.h5: a file made by h5py, the reference HDF5 client, that LikenessHDF5
must read (H5pyFixtureTests.swift). It holds the layouts other tools produce and LikenessHDF5
never writes itself: big-endian floats, gzip-compressed chunks, fixed-length and ASCII strings,
an integer width LikenessHDF5 does not read, attributes of several kinds.

Re-run (from this folder):

    python3 -m venv /tmp/likeness-h5py
    /tmp/likeness-h5py/bin/pip install h5py==3.16.0 numpy==2.4.6
    /tmp/likeness-h5py/bin/python make_h5py_fixture.py

The file format is bounded to HDF5 1.10 so that Debian's libhdf5 1.10 reads it.
"""
import h5py
import numpy as np

with h5py.File("h5py_written.h5", "w", libver=("earliest", "v110")) as f:
    # Numbers: big-endian float32 2×3 (HDF5 converts on read), gzip-chunked int32, float64,
    # int64 and uint8 in native order, and an int16 dataset (a width LikenessHDF5 rejects).
    f.create_dataset("big_endian_float32", data=np.arange(6, dtype=">f4").reshape(2, 3) / 4)
    f.create_dataset("gzip_int32", data=np.arange(-50, 50, dtype="<i4").reshape(10, 10),
                     chunks=(4, 10), compression="gzip", compression_opts=6, maxshape=(None, 10))
    f.create_dataset("float64", data=np.array([1e-300, -2.5, 1e300]))
    f.create_dataset("int64", data=np.array([-(2**62), 0, 2**62], dtype="<i8"))
    f.create_dataset("uint8", data=np.array([[0, 127], [128, 255]], dtype="u1"))
    f.create_dataset("int16", data=np.array([1, 2, 3], dtype="<i2"))

    # Strings: fixed-length null-padded ASCII, variable-length ASCII, variable-length UTF-8.
    f.create_dataset("fixed_strings", data=np.array([b"ab", b"hello", b""], dtype="S5"))
    f.create_dataset("ascii_strings", data=["x", "yz"], dtype=h5py.string_dtype("ascii"))
    f.create_dataset("utf8_strings", data=["é", "日本", ""], dtype=h5py.string_dtype("utf-8"))

    # Attributes as h5py writes Python and NumPy values.
    f.attrs["title"] = "Ünïcode title"          # variable-length UTF-8 str
    f.attrs["count"] = 42                        # int64
    f.attrs["small"] = np.int16(-7)              # int16: any integer width reads as Int
    f.attrs["scale"] = 0.125                     # float64
    f.attrs["vector"] = np.array([0.5, 1.5, -2.0])   # float64 array, read as [Float]
    f.attrs["fixed"] = np.bytes_(b"fixed text")  # fixed-length ASCII
    f.attrs["names"] = ["alpha", "β"]            # array of variable-length UTF-8 str
    f.attrs["matrix"] = np.ones((2, 2), dtype="f4")   # two-dimensional: not a [Float] attribute

    group = f.create_group("group/nested")
    group.attrs["note"] = "inside"
    group.create_dataset("values", data=np.array([3, 1, 2], dtype="<i4"))
