// The umbrella module, re-exports only: `import Likeness` brings every library of the toolkit.
@_exported import LikenessCore
@_exported import LikenessData
@_exported import LikenessFiles
@_exported import LikenessHDF5
@_exported import LikenessInterop
@_exported import LikenessMetrics
@_exported import LikenessRecognition
@_exported import LikenessReports
@_exported import LikenessSearch
@_exported import LikenessStorage
@_exported import LikenessTraining
