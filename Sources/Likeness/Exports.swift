// The umbrella module: `import Likeness` brings the engine, the data layer, the file utilities and the HDF5 files.
@_exported import LikenessCore
@_exported import LikenessData
@_exported import LikenessFiles
@_exported import LikenessHDF5
