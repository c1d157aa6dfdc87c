// Records every WebAssembly.Memory created or exported in this realm, so the bench can read
// the wasm heap size of libraries that do not expose it. Import it before any library.
const memories = new Set();
const track = (instance) => {
  for (const v of Object.values(instance?.exports ?? {})) if (v instanceof WebAssembly.Memory) memories.add(v);
};
const W = globalThis.WebAssembly;
if (!W.__benchHooked) {
  const { Memory, Instance, instantiate, instantiateStreaming } = W;
  W.Memory = new Proxy(Memory, { construct(t, a, nt) { const m = Reflect.construct(t, a, nt); memories.add(m); return m; } });
  W.Instance = new Proxy(Instance, { construct(t, a, nt) { const i = Reflect.construct(t, a, nt); track(i); return i; } });
  W.instantiate = async function (...a) {
    const r = await instantiate.apply(W, a);
    track(r instanceof Instance ? r : r.instance);
    return r;
  };
  if (instantiateStreaming) {
    W.instantiateStreaming = async function (...a) {
      const r = await instantiateStreaming.apply(W, a);
      track(r.instance);
      return r;
    };
  }
  W.__benchHooked = true;
}

/** Bytes of every wasm memory seen in this realm (page or worker). */
export function wasmHeapBytes() {
  let sum = 0;
  for (const m of memories) sum += m.buffer.byteLength;
  return memories.size ? sum : null;
}
