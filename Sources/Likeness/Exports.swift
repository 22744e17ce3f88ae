// The umbrella module: `import Likeness` brings the engine, exact search, the data layer, the file
// utilities and the HDF5 files.
@_exported import LikenessCore
@_exported import LikenessData
@_exported import LikenessFiles
@_exported import LikenessHDF5
@_exported import LikenessSearch
