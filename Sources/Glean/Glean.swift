// `import Glean` brings in the whole toolkit.
@_exported import GleanData
@_exported import GleanNN
@_exported import GleanTensor
@_exported import GleanVision
@_exported import GleanTrain
@_exported import GleanMethods
