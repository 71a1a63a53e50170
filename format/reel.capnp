# Reel trace schema. The container around these messages (preamble, chunk headers, trailer) is
# described in format/include/reel/format/Container.h and docs/format.md.
#
# Evolution rules: fields are only ever added, with new ordinals, at the end of a struct; a field
# is never renamed in meaning, retyped or removed. A reader that meets a message from a newer
# minor version ignores fields it does not know (Cap'n Proto does this for free). A change a
# reader cannot safely ignore bumps TraceHeader.formatMajor and Preamble's container major.

@0x8da3636c63b6524b;

$import "/capnp/c++.capnp".namespace("reel::schema");

struct TraceHeader {
  # The first message after the preamble: everything known when recording starts.

  formatMajor @0 :UInt16;
  # Incompatible format generation. A reader refuses a file whose formatMajor is newer than its own.
  formatMinor @1 :UInt16;
  # Compatible additions within a major version.
  requiredReaderMinor @2 :UInt16;
  # The oldest reader minor (of the same major) that can still interpret this file correctly.
  # Writers raise it only when an added field changes the meaning of existing data.

  recorderVersion @3 :Text;
  # Reel version that wrote the file, e.g. "0.1.0".
  pythonImplementation @4 :Text;
  # sys.implementation.name, e.g. "cpython".
  pythonVersion @5 :Text;
  # platform.python_version(), e.g. "3.12.1".
  pythonHexVersion @6 :UInt32;
  # sys.hexversion of the recorded interpreter.
  platform @7 :Text;
  # sys.platform plus machine, e.g. "linux-x86_64".
  argv @8 :List(Text);
  # sys.argv of the recorded program as it saw it.
  cwd @9 :Text;
  # Working directory at start; relative code file names resolve against it.
  startTimeNs @10 :Int64;
  # Wall clock at start, nanoseconds since the Unix epoch.
  pid @11 :UInt32;
  executable @12 :Text;
  # sys.executable.
  hook @13 :Text;
  # How events were obtained: "settrace" (3.11) or "sys.monitoring" (3.12+).
  capture @14 :CaptureSettings;
}

struct CaptureSettings {
  maxDepth @0 :UInt32;
  # Nesting levels captured per value; the value itself is depth 1.
  maxItems @1 :UInt32;
  # Items (elements, entries, attributes) captured per container or object.
  maxStr @2 :UInt32;
  # Characters (str) or bytes (bytes/bytearray) captured per string.
  only @3 :List(Text);
  # --only filters as given (paths or globs); empty means everything.
  exclude @4 :List(Text);
  # --exclude filters as given.
  originDepth @5 :UInt32;
  # Coroutine origin tracking depth (0: off).
  redact @6 :Text;
  # --redact pattern, empty when none.
  noValues @7 :Bool;
  # --no-values: control flow and types only.
  flightLast @8 :UInt64;
  # --last N (flight recorder): the recording kept only about the last N events; 0 when off.
}

enum ChunkKind {
  # Also the `kind` field of the binary chunk header.
  invalid @0;
  defs @1;
  # Payload: Defs. Always written before the first Values/Events chunk that refers to its ids.
  values @2;
  # Payload: ValueBatch.
  events @3;
  # Payload: EventBatch.
  footer @4;
  # Payload: Footer. Only at the end of a cleanly closed file.
  checkpoint @5;
  # Payload: Checkpoint (format 1.1). At most one, before the first Events chunk, in a trace
  # whose events do not start at 0 (a slice); the chunk header's `first` is its firstEvent.
}

struct Defs {
  # Records introduced since the previous Defs chunk. Ids are dense and start at 0 per kind, so a
  # reader can keep them in vectors.
  sources @0 :List(SourceFile);
  codes @1 :List(CodeObject);
  types @2 :List(TypeRecord);
  strings @3 :List(StringRecord);
  threads @4 :List(ThreadRecord);
}

struct SourceFile {
  id @0 :UInt32;
  path @1 :Text;
  # As in co_filename (may be relative or a pseudo name such as "<string>").
  text @2 :Text;
  # Full source text when it could be read (from the file or linecache), else empty.
  hasText @3 :Bool;
}

struct CodeObject {
  id @0 :UInt32;
  qualname @1 :Text;
  # co_qualname.
  name @2 :Text;
  # co_name.
  filename @3 :Text;
  # co_filename.
  sourceId @4 :UInt32;
  # SourceFile.id of filename; 0xFFFFFFFF when there is none.
  firstLine @5 :Int32;
  # co_firstlineno.
  flags @6 :UInt32;
  # co_flags (CO_GENERATOR, CO_COROUTINE, ...).
  argCount @7 :UInt16;
  localNames @8 :List(Text);
  # co_localsplusnames: every fast slot, in slot order.
  localKinds @9 :Data;
  # co_localspluskinds, one byte per slot (LOCAL 0x20, CELL 0x40, FREE 0x80, HIDDEN 0x10, ARG 0x08).
  instructions @10 :List(Instruction);
  # Every instruction (cache entries excluded), in offset order, decoded from the unspecialized
  # bytecode (PyCode_GetCode).
  usesLocalsDict @11 :Bool;
  # True for module, class-body and exec/eval code whose f_locals is a dict rather than fast
  # slots: their locals travel as NAME_SET/NAME_DEL records.
  bytecode @12 :Data;
  # Unspecialized co_code, for tools that want to re-disassemble.
}

struct Instruction {
  offset @0 :UInt32;
  # Byte offset of the instruction (of its EXTENDED_ARG prefix, if any, on every version).
  opcode @1 :UInt16;
  opname @2 :Text;
  arg @3 :Int32;
  # Full argument after EXTENDED_ARG folding; -1 when the opcode takes none.
  argRepr @4 :Text;
  # dis-style readable argument ("x", "<", "to 42", a constant's repr for simple constants).
  line @5 :Int32;
  # Source line, -1 when the instruction has none.
  size @6 :UInt16;
  # Bytes up to the next instruction, cache entries included.
  jumpTarget @7 :Int32;
  # Byte offset of the jump target, -1 when not a jump.
}

struct TypeRecord {
  id @0 :UInt32;
  qualname @1 :Text;
  # type.__qualname__.
  module @2 :Text;
  # type.__module__ when it is a str, else empty.
  displayName @3 :Text;
  # The rendering rules' TYPE: qualname, prefixed with "module." unless builtins or __main__.
  builtinBase @4 :BuiltinBase;
  # Nearest builtin base among those the rendering rules single out.
}

enum BuiltinBase {
  none @0;
  int @1;
  float @2;
  str @3;
  bytes @4;
  list @5;
  tuple @6;
  dict @7;
  set @8;
  frozenset @9;
  exception @10;
  complex @11;
  bytearray @12;
}

struct StringRecord {
  # Interned names: attribute names, local names in dict-locals frames, function qualnames.
  id @0 :UInt32;
  text @1 :Text;
}

struct ThreadRecord {
  id @0 :UInt32;
  # Dense Reel thread id, as used by THREAD records in event streams.
  ident @1 :UInt64;
  # threading.get_ident() (may be reused by the OS after the thread ends).
  nativeId @2 :UInt64;
  name @3 :Text;
  # Thread name when known at first sight ("MainThread", "Thread-1 (worker)").
  isMain @4 :Bool;
}

struct ValueBatch {
  firstId @0 :UInt64;
  # Id of the first value in `data`; values are numbered densely across the whole file.
  count @1 :UInt32;
  data @2 :Data;
  # `count` value records, encoded as documented in ValueCodec.h.
}

struct EventBatch {
  firstEvent @0 :UInt64;
  # Global number of the first event (numbered record) in this batch.
  eventCount @1 :UInt32;
  # Numbered records in this batch.
  tags @2 :Data;
  # One tag byte per record (EventStream.h). Kept apart from `args` so the highly repetitive
  # opcode sequence of loops compresses well.
  args @3 :Data;
  # Unsigned LEB128 varints consumed by the records, in record order.
  blobs @4 :Data;
  # Raw bytes of OUTPUT records, in record order.
  start @5 :StreamState;
  # Decoder state at the first record, so a batch decodes without its predecessors.
  startTimeNs @6 :Int64;
  # Monotonic time of the first event relative to TraceHeader.startTimeNs.
  endTimeNs @7 :Int64;
}

struct StreamState {
  thread @0 :UInt32;
  # Current Reel thread id.
  nextFrameId @1 :UInt64;
  # Frame id the next CALL record creates.
}

struct Checkpoint {
  # Format 1.1. The replayer state just before the trace's first event, for a trace that does not
  # start at event 0: `reel slice` writes one, so the slice replays to exactly the states of the
  # original (same event numbers, frame ids, value ids, exception indices). A file with a
  # checkpoint sets TraceHeader.requiredReaderMinor to 1: a 1.0 reader refuses it. Event numbers
  # below use 0xFFFFFFFFFFFFFFFF for "none"; value fields are raw ValueRef varint values
  # (ValueRef.h). docs/format.md, "Checkpoint chunk", describes the fields.
  firstEvent @0 :UInt64;
  # The first event of the file; the state is the one at event firstEvent - 1 (every record up to
  # and including it applied). Equals the chunk header's `first`.
  eventKind @1 :UInt8;
  # Kind of event firstEvent - 1: 0 opcode, 1 call, 2 resume, 3 return, 4 yield, 5 unwind,
  # 6 exception.
  thread @2 :UInt32;
  # Thread of event firstEvent - 1.
  value @3 :UInt64;
  # Returned/yielded value or exception at that event (ValueRef), None otherwise.
  timeNs @4 :Int64;
  # Latest TIME record: ns since TraceHeader.startTimeNs.
  stdoutBytes @5 :UInt64;
  stderrBytes @6 :UInt64;
  # Bytes written to each stream before firstEvent (in the original run).
  outputRecords @7 :UInt64;
  exceptionCount @8 :UInt64;
  # Exceptions raised before firstEvent: the first raise in this file has this index.
  threads @9 :List(CheckpointThread);
  # Every thread seen before firstEvent.
  suspended @10 :List(CheckpointFrame);
  # Suspended generator/coroutine frames, by ascending frame id.
  stdoutTail @11 :Data;
  stderrTail @12 :Data;
  # The last bytes written to each stream before firstEvent (all of them unless the writer
  # limited it: stdoutBytes - size(stdoutTail) earlier bytes are elided).
  originalEventCount @13 :UInt64;
  # Provenance: events in the trace this one was cut from, and its file name.
  originalPath @14 :Text;
  outputOrder @15 :List(UInt64);
  # The order in which the tails' bytes were written: runs of consecutive bytes of one stream,
  # oldest first, each `bytes * 2 + (stream - 1)` (stream 1 stdout, 2 stderr); each stream's runs
  # add up to its tail. Added with format 1.4 as an ignorable field: empty (or a reader without it)
  # shows stdoutTail, then stderrTail.
}

struct CheckpointThread {
  id @0 :UInt32;
  ended @1 :Bool;
  lastEvent @2 :UInt64;
  # Latest numbered event on the thread (none: all ones).
  lastKind @3 :UInt8;
  hasException @4 :Bool;
  exception @5 :CheckpointException;
  # The exception in flight, when hasException.
  setAside @6 :List(CheckpointException);
  # Exceptions set aside while a nested one is in flight, outermost first.
  stack @7 :List(CheckpointFrame);
  # Outermost first.
}

struct CheckpointException {
  value @0 :UInt64;
  frameId @1 :UInt64;
  # The frame it reached most recently.
  raisedAt @2 :UInt64;
  lastEvent @3 :UInt64;
  index @4 :UInt64;
  # Position in the original run's exception list.
  uncaught @5 :Bool;
}

struct CheckpointFrame {
  id @0 :UInt64;
  codeId @1 :UInt32;
  lasti @2 :Int32;
  # f_lasti in bytes, -1 before the first instruction.
  line @3 :Int32;
  # f_lineno at lasti.
  callEvent @4 :UInt64;
  activationEvent @5 :UInt64;
  exiting @6 :Bool;
  # At its RETURN/YIELD/UNWIND event (firstEvent - 1): popped by the file's first record.
  prevWasOpcode @7 :Bool;
  hasObject @8 :Bool;
  object @9 :UInt64;
  # FRAME_OBJECT value, when hasObject.
  hasOrigin @10 :Bool;
  origin @11 :UInt64;
  # CORO_ORIGIN value, when hasOrigin.
  slots @12 :List(CheckpointLocal);
  # One per CodeObject.localNames entry.
  names @13 :List(CheckpointName);
  # Dict-locals frames, in dict order.
  hasHandled @14 :Bool;
  handled @15 :CheckpointException;
  # When hasHandled: the exception a handler of this frame caught most recently, which the frame
  # re-raises (RERAISE has no event) if it unwinds with nothing in flight. Added within 1.3 as
  # an ignorable field: a reader without it takes such a re-raise for a new raise in the caller.
  lastLine @16 :Int32;
  # The latest line >= 1 the frame was at (0: none): where a front end shows a frame whose
  # instruction has no line number. Added with format 1.4 as an ignorable field: without it (0), a
  # reader takes `line` when it is >= 1, else none.
}

struct CheckpointLocal {
  value @0 :UInt64;
  # ValueRef; the "unbound" constant when the slot has no value.
  changedAt @1 :UInt64;
}

struct CheckpointName {
  nameId @0 :UInt32;
  value @1 :UInt64;
  changedAt @2 :UInt64;
}

struct Footer {
  chunks @0 :List(ChunkRef);
  # Every chunk in file order, the footer itself excluded.
  eventCount @1 :UInt64;
  # One past the last event number: the number of events for a trace that starts at event 0
  # (a trace with a Checkpoint chunk starts at its firstEvent).
  valueCount @2 :UInt64;
  endTimeNs @3 :Int64;
  # Wall clock at close, ns since the Unix epoch.
  exit @4 :ExitInfo;
}

struct ChunkRef {
  offset @0 :UInt64;
  # File offset of the chunk header.
  kind @1 :ChunkKind;
  compressedSize @2 :UInt32;
  uncompressedSize @3 :UInt32;
  firstEvent @4 :UInt64;
  # Events chunks: first event; Values chunks: first value id.
  count @5 :UInt32;
  # Events chunks: event count; Values chunks: value count.
}

struct ExitInfo {
  kind @0 :ExitKind;
  status @1 :Int32;
  # Exit status for `exited`, signal number for `signal`.
  message @2 :Text;
  # For `uncaughtException`: the formatted exception line, e.g. "ValueError: bad".
}

enum ExitKind {
  unknown @0;
  exited @1;
  uncaughtException @2;
  signal @3;
  stoppedByApi @4;
  # reel.stop() or the end of a `with reel.record()` block: the program went on unrecorded.
}
