// The umbrella module: `import Likeness` brings the engine, exact search, the data layer and the HDF5 files.
@_exported import LikenessCore
@_exported import LikenessData
@_exported import LikenessSearch
@_exported import LikenessHDF5
