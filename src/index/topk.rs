//! A bounded heap keeping the k best hits. "Better" is a larger rank key, then a smaller
//! rowid (earlier insertion wins ties), so the heap's top is always the worst kept hit.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

#[derive(Clone, Copy)]
struct Entry {
    /// Larger is better (the metric's score, negated where smaller is better).
    key: f32,
    rowid: i64,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    /// Greater means worse, so `BinaryHeap::peek` is the entry to evict.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.total_cmp(&self.key).then(self.rowid.cmp(&other.rowid))
    }
}

pub struct TopK {
    k: usize,
    heap: BinaryHeap<Entry>,
}

impl TopK {
    pub fn new(k: usize, expected: usize) -> Self {
        TopK { k, heap: BinaryHeap::with_capacity(k.min(expected).saturating_add(1)) }
    }

    /// Offers a candidate; cheap rejection when the heap is full and it is not better.
    #[inline]
    pub fn offer(&mut self, key: f32, rowid: i64) {
        if self.k == 0 {
            return;
        }
        let e = Entry { key, rowid };
        if self.heap.len() < self.k {
            self.heap.push(e);
            return;
        }
        // Most candidates lose on the key alone; only a possible win or tie goes further.
        if self.heap.peek().is_some_and(|w| key < w.key) {
            return;
        }
        if let Some(mut worst) = self.heap.peek_mut() {
            if e < *worst {
                *worst = e;
            }
        }
    }

    /// The kept hits, best first, as (rowid, key).
    pub fn into_sorted(self) -> Vec<(i64, f32)> {
        // `into_sorted_vec` is ascending by Ord, i.e. best first.
        self.heap.into_sorted_vec().into_iter().map(|e| (e.rowid, e.key)).collect()
    }
}
