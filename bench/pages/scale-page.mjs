// The page of bench/scale.mjs: starts bench/pages/scale-worker.mjs and relays its messages to
// Node (window.__scaleMsg, exposed by bench/scale.mjs). The page holds no data.
window.scaleStart = (spec) => {
  const w = new Worker('/bench/pages/scale-worker.mjs', { type: 'module' });
  w.onerror = (e) => window.__scaleMsg({ ok: false, error: `worker error: ${e.message ?? 'unknown (failed to load?)'}` });
  w.onmessageerror = () => window.__scaleMsg({ ok: false, error: 'worker message could not be deserialized' });
  w.onmessage = ({ data }) => {
    if (data.ready) w.postMessage({ spec });
    else window.__scaleMsg(data);
  };
  return true;
};
window.scaleReady = true;
