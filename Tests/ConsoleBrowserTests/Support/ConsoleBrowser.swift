import Testing

/// Every browser test, one at a time: each runs a server, chromedriver and
/// Chromium, and timings (first paint, one frame) mean little on a machine
/// busy with several browsers at once.
@Suite(.serialized) enum ConsoleBrowser {}
