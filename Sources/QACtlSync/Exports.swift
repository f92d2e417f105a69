// `ShapePosition.offset` is a ShapeWire `Offset`; re-exported so an app can
// resume a stream (`Offset("26800584_4")`) without depending on an internal module.
@_exported import struct ShapeWire.Offset
