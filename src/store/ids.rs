//! Generated ids: RFC 9562 UUIDs of version 7, lowercase, in generation order within a
//! process. Their text sorts by creation time, so inserts without ids append to the end of
//! the `id` index instead of scattering across it (random v4 keys slowed every batch as the
//! index outgrew the page cache).
//!
//! Layout (RFC 9562 §5.7, with the "fixed-length dedicated counter" of §6.2 method 1): 48
//! bits of Unix milliseconds, the version, a 42-bit counter (12 bits of `rand_a` and the top
//! 30 of `rand_b`) seeded at random each new millisecond and stepped by one within it, the
//! variant, then 32 random bits. A counter that runs out borrows the next millisecond, so
//! ids never go backwards even when the clock does.

use std::sync::Mutex;

const COUNTER_BITS: u32 = 42;

/// The last (millisecond, counter) handed out in this process.
static LAST: Mutex<(u64, u64)> = Mutex::new((0, 0));

/// `n` new ids for time `now_ms`, drawing randomness from `random` (16 bytes per id).
pub fn uuid_v7(n: usize, now_ms: i64, random: &[u8]) -> Vec<String> {
    debug_assert!(random.len() >= n * 16);
    let mut last = LAST.lock().unwrap_or_else(|p| p.into_inner());
    let now = now_ms.max(0) as u64 & ((1 << 48) - 1);
    random
        .chunks_exact(16)
        .take(n)
        .map(|r| {
            let seed = u64::from_le_bytes(r[..8].try_into().expect("8 bytes"));
            let tail = u32::from_le_bytes(r[8..12].try_into().expect("4 bytes"));
            let (ms, counter) = &mut *last;
            if now > *ms {
                // Seeded below half the range, so a millisecond has room for 2^41 ids.
                *ms = now;
                *counter = seed & ((1 << (COUNTER_BITS - 1)) - 1);
            } else {
                *counter += 1;
                if *counter >> COUNTER_BITS != 0 {
                    *ms += 1;
                    *counter = seed & ((1 << (COUNTER_BITS - 1)) - 1);
                }
            }
            format_v7(*ms, *counter, tail)
        })
        .collect()
}

fn format_v7(ms: u64, counter: u64, tail: u32) -> String {
    let rand_a = (counter >> 30) as u16 & 0x0fff;
    let rand_b_high = (counter & ((1 << 30) - 1)) as u32; // 30 bits
    let mut b = [0u8; 16];
    b[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
    b[6..8].copy_from_slice(&(0x7000 | rand_a).to_be_bytes());
    b[8..12].copy_from_slice(&(0x8000_0000 | rand_b_high).to_be_bytes());
    b[12..].copy_from_slice(&tail.to_be_bytes());
    hex_uuid(&b)
}

fn hex_uuid(b: &[u8; 16]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(36);
    for (i, x) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(HEX[(x >> 4) as usize] as char);
        out.push(HEX[(x & 15) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_version_variant_and_time() {
        let id = format_v7(0x0123_4567_89ab, (0xabc << 30) | 0x3fff_ffff, 0xdead_beef);
        assert_eq!(id, "01234567-89ab-7abc-bfff-ffffdeadbeef");
    }

    #[test]
    fn ids_are_ordered_within_and_across_milliseconds_and_when_the_clock_goes_back() {
        let random: Vec<u8> = (0..16 * 300).map(|i| (i * 7919 % 251) as u8).collect();
        let mut all = Vec::new();
        for now in [1_700_000_000_000, 1_700_000_000_000, 1_700_000_000_005, 1_600_000_000_000] {
            all.extend(uuid_v7(300, now, &random));
        }
        let mut sorted = all.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, all, "strictly increasing");
        assert!(all.iter().all(|id| id.len() == 36 && &id[14..15] == "7"));
        assert!(all.iter().all(|id| matches!(&id[19..20], "8" | "9" | "a" | "b")));
    }
}
