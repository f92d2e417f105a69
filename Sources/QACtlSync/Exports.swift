// `ShapePosition.offset` is a ShapeWire `Offset`; re-exported so an app can
// resume a stream (`Offset("26800584_4")`) without depending on an internal module.
@_exported import struct ShapeWire.Offset
// The library's version (`ReleaseVersion.current`), the same number `qactl --version` prints.
@_exported import enum QACtlVersion.ReleaseVersion
