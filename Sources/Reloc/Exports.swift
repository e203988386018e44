// The files Reloc's API reads and returns (COLMAP models, stores, lists, poses) are the Formats
// module's types; a client that imports Reloc, the `reloc` CLI among them, sees them as before
// the module was cut out of Reloc.
@_exported import Formats
