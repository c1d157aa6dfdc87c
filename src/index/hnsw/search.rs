//! Walking the graph: greedy descent on the upper layers and the beam search of one layer,
//! with reused scratch (marks and heaps) and the next neighbour's vector prefetched while the
//! current one is scored.

use super::{Cand, Hnsw, Space};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// "Seen in this search" as one u32 per node compared with a search number: starting a
/// search is one increment, not clearing a set.
#[derive(Default)]
struct Visited {
    marks: Vec<u32>,
    stamp: u32,
}

impl Visited {
    fn start(&mut self, nodes: usize) {
        self.marks.resize(nodes, 0);
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.marks.fill(0);
            self.stamp = 1;
        }
    }

    /// True the first time `id` is seen in this search.
    #[inline]
    fn insert(&mut self, id: u32) -> bool {
        let m = &mut self.marks[id as usize];
        let first = *m != self.stamp;
        *m = self.stamp;
        first
    }
}

/// What a beam search works in, kept by the graph between searches (a search allocates
/// only its answer).
#[derive(Default)]
pub(super) struct Scratch {
    visited: Visited,
    /// Nodes to expand, closest first.
    frontier: BinaryHeap<Cand>,
    /// The best `ef` (allowed) nodes so far, the farthest on top.
    results: BinaryHeap<Reverse<Cand>>,
}

/// Hints the CPU to start loading the line at `p` (nothing off x86_64).
#[inline(always)]
fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults and changes no memory, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p as *const i8)
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

impl Hnsw {
    pub(super) fn greedy<S: Space>(&self, space: &S, q: &S::Query, mut best: Cand, layer: usize) -> Cand {
        loop {
            let mut moved = false;
            for &n in self.links(best.id, layer) {
                let c = Cand { key: self.key(space, q, n), id: n };
                if c > best {
                    best = c;
                    moved = true;
                }
            }
            if !moved {
                return best;
            }
        }
    }

    /// Beam search on one layer: the `ef` closest (allowed) nodes found, closest first.
    pub(super) fn search_layer<S: Space>(
        &self,
        space: &S,
        q: &S::Query,
        entries: &[Cand],
        ef: usize,
        layer: usize,
        allow: Option<&dyn Fn(i64) -> bool>,
    ) -> Vec<Cand> {
        let allowed = |id: u32| allow.is_none_or(|f| f(self.rowid(id)));
        let mut scratch = self.scratch.borrow_mut();
        let Scratch { visited, frontier, results } = &mut *scratch;
        visited.start(self.nodes.len());
        frontier.clear();
        results.clear();
        for &e in entries {
            if visited.insert(e.id) {
                frontier.push(e);
                if allowed(e.id) {
                    results.push(Reverse(e));
                }
            }
        }
        while let Some(c) = frontier.pop() {
            if results.len() >= ef && results.peek().is_some_and(|w| c < w.0) {
                break;
            }
            let links = self.links(c.id, layer);
            for &n in links {
                prefetch(visited.marks.as_ptr().wrapping_add(n as usize));
                prefetch(self.rowid_of.as_ptr().wrapping_add(n as usize));
            }
            for (i, &n) in links.iter().enumerate() {
                if !visited.insert(n) {
                    continue;
                }
                if let Some(&next) = links.get(i + 1) {
                    space.prefetch(self.rowid(next));
                }
                let cand = Cand { key: self.key(space, q, n), id: n };
                if results.len() < ef || results.peek().is_some_and(|w| cand > w.0) {
                    frontier.push(cand);
                    if allowed(n) {
                        results.push(Reverse(cand));
                        if results.len() > ef {
                            results.pop();
                        }
                    }
                }
            }
        }
        let mut out: Vec<Cand> = results.drain().map(|r| r.0).collect();
        out.sort_unstable_by(|a, b| b.cmp(a));
        out
    }

    /// The `ef` closest nodes to `v` (allowed ones only, with an allow-list) as
    /// `(rowid, key)`, closest first.
    pub fn search<S: Space>(
        &self,
        space: &S,
        v: &[f32],
        ef: usize,
        allow: Option<&dyn Fn(i64) -> bool>,
    ) -> Vec<(i64, f32)> {
        let Some(entry) = self.entry else { return Vec::new() };
        let q = space.prepare(v);
        let mut ep = Cand { key: self.key(space, &q, entry), id: entry };
        for layer in (1..=self.level(entry)).rev() {
            ep = self.greedy(space, &q, ep, layer);
        }
        self.search_layer(space, &q, &[ep], ef.max(1), 0, allow)
            .into_iter()
            .map(|c| (self.rowid(c.id), c.key))
            .collect()
    }
}
