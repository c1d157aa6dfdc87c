// RFC 9562 UUID version 7 in JavaScript, as the core makes them (src/store/ids.rs): 48 bits
// of Unix milliseconds, then random bits, lowercase. Within one context they increase: in the
// same millisecond the 12-bit rand_a field counts up (and the clock is never read backwards).
// A tab that forwards an insert to the leader names its vectors itself, so that the insert
// can be recognised in the database if the leader dies before answering (share.js).
let lastMs = 0;
let seq = 0;

export function uuid7() {
  let ms = Date.now();
  if (ms <= lastMs) {
    ms = lastMs;
    seq++;
    if (seq > 0xfff) {
      ms = ++lastMs; // 4096 ids in one millisecond: borrow the next one
      seq = 0;
    }
  } else {
    seq = 0;
  }
  lastMs = ms;
  const b = crypto.getRandomValues(new Uint8Array(16));
  for (let i = 5; i >= 0; i--) {
    b[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  b[6] = 0x70 | (seq >> 8);
  b[7] = seq & 0xff;
  b[8] = 0x80 | (b[8] & 0x3f);
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
