// The umbrella module: `import Likeness` brings the engine, the data layer and the HDF5 files.
@_exported import LikenessCore
@_exported import LikenessData
@_exported import LikenessHDF5
