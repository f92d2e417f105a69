// The client's module was `SyncClient` before it became the QACtlSync product;
// `Benchmarks` still imports it by that name. Delete this target once it imports QACtlSync.
@_exported import QACtlSync
