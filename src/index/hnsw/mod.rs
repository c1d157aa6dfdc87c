//! HNSW (Malkov & Yashunin): a layered proximity graph over the vectors the heap holds (the
//! f32 arena, or int8 codes), navigated with rank keys (larger is closer). Nodes are kept by
//! rowid, so the graph is stored in the file by rowid and survives a reload unchanged.
//!
//! - Insert: a level from the rowid (deterministic, so every target builds the same graph
//!   from the same rows), greedy descent to the node's level, then per layer a beam search
//!   of `ef_construction` and the neighbour-selection heuristic (keep a candidate only if it
//!   is closer to the new node than to every neighbour kept so far), with back links
//!   shrunk by the same heuristic.
//! - Remove: every neighbour of the removed node is relinked from its own links and the
//!   removed node's, by the heuristic; a node left without any in-link on layer 0 is linked
//!   from its best former peer, so every live node stays reachable from the entry point.
//! - Search: a beam of `ef` on layer 0. With an allow-list (a filter's candidates) the beam
//!   walks through every node but keeps only allowed ones, widening until `ef` allowed
//!   nodes are found or the reachable graph is exhausted.
//! - Every changed node is remembered (`take_dirty`), so the caller writes exactly those
//!   records in the same transaction as the rows.

mod links;
mod records;
mod search;

use crate::index::ids::{IdHasher, IdSet};
use crate::metric::Metric;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasherDefault;

/// Where the graph gets its keys: larger is closer.
pub trait Space {
    type Query;
    fn prepare(&self, v: &[f32]) -> Self::Query;
    fn key(&self, q: &Self::Query, rowid: i64) -> f32;
    /// A node's vector as the space holds it (to use it as a query).
    fn vector(&self, rowid: i64) -> Vec<f32>;
    /// Hints that `rowid`'s key is wanted soon (a walk calls it for the next neighbour).
    #[inline]
    fn prefetch(&self, _rowid: i64) {}
}

#[derive(Clone, Copy)]
struct Cand {
    key: f32,
    id: u32,
}
impl PartialEq for Cand {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Cand {}
impl PartialOrd for Cand {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Cand {
    /// Greater is closer; among equal keys the smaller id (earlier node) is closer.
    fn cmp(&self, o: &Self) -> Ordering {
        self.key.total_cmp(&o.key).then(o.id.cmp(&self.id))
    }
}

pub(super) struct Node {
    /// `upper[l - 1]`: neighbours on layer `l`, for `l` in `1..=level` (layer 0 is in the
    /// graph's flat table, see `links.rs`).
    upper: Vec<Vec<u32>>,
    /// `rev[l]`: the nodes that link here on layer `l` (kept so a removal can find them).
    rev: Vec<Vec<u32>>,
}

/// Graph parameters (stored with the index).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    pub m: usize,
    pub ef_construction: usize,
    pub metric: Metric,
}

pub struct Hnsw {
    params: Params,
    nodes: Vec<Option<Node>>,
    /// Each node id's rowid (a removed node's stays until its id is reused).
    rowid_of: Vec<i64>,
    /// Layer-0 links of every node id in one table (see `links.rs`).
    links0: links::Layer0,
    id_of: HashMap<i64, u32, BuildHasherDefault<IdHasher>>,
    free: Vec<u32>,
    entry: Option<u32>,
    dirty: HashSet<i64, BuildHasherDefault<IdHasher>>,
    /// A beam search's marks and heaps, reused so a search allocates and clears nothing
    /// (see [`search::Scratch`]).
    scratch: std::cell::RefCell<search::Scratch>,
}

impl Hnsw {
    pub fn new(params: Params) -> Self {
        Hnsw {
            params,
            nodes: Vec::new(),
            rowid_of: Vec::new(),
            links0: links::Layer0::new(2 * params.m),
            id_of: HashMap::default(),
            free: Vec::new(),
            entry: None,
            dirty: HashSet::default(),
            scratch: Default::default(),
        }
    }

    /// Room for `additional` more nodes, exactly (the layer-0 table is 4 (2m + 1) bytes a
    /// node: a build or reload sizes it once rather than doubling it).
    pub fn reserve(&mut self, additional: usize) {
        self.nodes.reserve_exact(additional);
        self.rowid_of.reserve_exact(additional);
        self.links0.reserve(additional);
    }

    pub fn params(&self) -> Params {
        self.params
    }

    pub fn len(&self) -> usize {
        self.id_of.len()
    }

    pub fn is_empty(&self) -> bool {
        self.id_of.is_empty()
    }

    pub fn contains(&self, rowid: i64) -> bool {
        self.id_of.contains_key(&rowid)
    }

    fn max_links(&self, layer: usize) -> usize {
        if layer == 0 {
            2 * self.params.m
        } else {
            self.params.m
        }
    }

    /// The level of a new node: `floor(-ln(u) / ln(m))` with `u` from a hash of the rowid.
    fn level_for(&self, rowid: i64) -> usize {
        let mut x = (rowid as u64) ^ 0x5851_f42d_4c95_7f2d;
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        x ^= x >> 33;
        let u = ((x >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
        let ml = 1.0 / (self.params.m.max(2) as f64).ln();
        ((-u.ln() * ml) as usize).min(16)
    }

    fn node(&self, id: u32) -> &Node {
        self.nodes[id as usize].as_ref().expect("a live node")
    }

    fn level(&self, id: u32) -> usize {
        self.node(id).upper.len()
    }

    #[inline]
    fn rowid(&self, id: u32) -> i64 {
        self.rowid_of[id as usize]
    }

    #[inline]
    fn key<S: Space>(&self, space: &S, q: &S::Query, id: u32) -> f32 {
        space.key(q, self.rowid(id))
    }

    /// Adds a node for `rowid` whose vector is `v` (already in `space`).
    pub fn insert<S: Space>(&mut self, space: &S, rowid: i64, v: &[f32]) {
        debug_assert!(!self.contains(rowid));
        let level = self.level_for(rowid);
        let node = Node { upper: vec![Vec::new(); level], rev: vec![Vec::new(); level + 1] };
        let id = match self.free.pop() {
            Some(id) => {
                self.nodes[id as usize] = Some(node);
                self.rowid_of[id as usize] = rowid;
                id
            }
            None => {
                if self.nodes.len() == self.nodes.capacity() {
                    // Grow by a quarter, as the arena does, not by doubling.
                    self.reserve((self.nodes.len() / 4).max(16));
                }
                self.nodes.push(Some(node));
                self.rowid_of.push(rowid);
                self.links0.push();
                (self.nodes.len() - 1) as u32
            }
        };
        self.id_of.insert(rowid, id);
        self.dirty.insert(rowid);
        let Some(entry) = self.entry else {
            self.entry = Some(id);
            return;
        };
        let q = space.prepare(v);
        let top = self.level(entry);
        let mut ep = Cand { key: self.key(space, &q, entry), id: entry };
        for layer in (level + 1..=top).rev() {
            ep = self.greedy(space, &q, ep, layer);
        }
        for layer in (0..=level.min(top)).rev() {
            let found = self.search_layer(space, &q, &[ep], self.params.ef_construction, layer, None);
            let chosen = self.select(space, found.clone(), self.params.m);
            self.set_links(id, layer, chosen.clone());
            for &n in &chosen {
                self.link(space, n, id, layer);
            }
            ep = found[0];
        }
        if level > top {
            self.entry = Some(id);
        }
    }

    /// Adds `to` to `from`'s links on `layer`, shrinking them by the heuristic when full.
    fn link<S: Space>(&mut self, space: &S, from: u32, to: u32, layer: usize) {
        let max = self.max_links(layer);
        let links = self.links(from, layer);
        if links.contains(&to) {
            return;
        }
        let mut links = links.to_vec();
        links.push(to);
        if links.len() > max {
            let q = space.prepare(&space.vector(self.rowid(from)));
            let cands: Vec<Cand> =
                links.iter().map(|&n| Cand { key: self.key(space, &q, n), id: n }).collect();
            links = self.select(space, cands, max);
        }
        self.set_links(from, layer, links);
    }

    /// The heuristic of the paper (its algorithm 4, without extension): candidates best
    /// first; one is kept when it is closer to the query than to every node kept before it.
    fn select<S: Space>(&self, space: &S, mut cands: Vec<Cand>, m: usize) -> Vec<u32> {
        cands.sort_by(|a, b| b.cmp(a));
        if cands.len() <= m {
            return cands.iter().map(|c| c.id).collect();
        }
        let mut kept: Vec<(u32, S::Query)> = Vec::with_capacity(m);
        for c in cands {
            if kept.len() >= m {
                break;
            }
            let dominated = kept.iter().any(|(_, kq)| self.key(space, kq, c.id) > c.key);
            if !dominated {
                kept.push((c.id, space.prepare(&space.vector(self.rowid(c.id)))));
            }
        }
        kept.into_iter().map(|(id, _)| id).collect()
    }

    /// Removes a node and relinks the nodes that linked to it (see the module docs).
    pub fn remove<S: Space>(&mut self, space: &S, rowid: i64) -> bool {
        let Some(&id) = self.id_of.get(&rowid) else { return false };
        let levels = self.level(id) + 1;
        let mut peers_of_zero = Vec::new();
        for layer in 0..levels {
            let out = self.links(id, layer).to_vec();
            // Drop its own links first (their reverse entries go with them).
            self.set_links(id, layer, Vec::new());
            let ins = self.node(id).rev[layer].clone();
            for &p in &ins {
                let mut pool: Vec<u32> = self.links(p, layer).iter().copied().filter(|&x| x != id).collect();
                for &x in &out {
                    if x != p && !pool.contains(&x) {
                        pool.push(x);
                    }
                }
                let q = space.prepare(&space.vector(self.rowid(p)));
                let cands: Vec<Cand> =
                    pool.iter().map(|&x| Cand { key: self.key(space, &q, x), id: x }).collect();
                let chosen = self.select(space, cands, self.max_links(layer));
                self.set_links(p, layer, chosen);
            }
            if layer == 0 {
                peers_of_zero = out.into_iter().chain(ins).collect();
            }
        }
        self.id_of.remove(&rowid);
        self.nodes[id as usize] = None;
        self.free.push(id);
        self.dirty.insert(rowid);
        if self.entry == Some(id) {
            // The highest node left (the smallest rowid among equals), as a reload picks it.
            self.entry = self.pick_entry();
        }
        // A former neighbour left without any in-link on layer 0 is linked from its best
        // former peer (one link over the limit rather than a lost node).
        for &orphan in &peers_of_zero {
            if Some(orphan) == self.entry || !self.node(orphan).rev[0].is_empty() {
                continue;
            }
            let q = space.prepare(&space.vector(self.rowid(orphan)));
            let best = peers_of_zero
                .iter()
                .copied()
                .filter(|&p| p != orphan)
                .map(|p| Cand { key: self.key(space, &q, p), id: p })
                .max()
                .map(|c| c.id)
                .or(self.entry);
            if let Some(from) = best {
                let mut links = self.links(from, 0).to_vec();
                links.push(orphan);
                self.set_links(from, 0, links);
            }
        }
        true
    }

    fn pick_entry(&self) -> Option<u32> {
        self.nodes
            .iter()
            .enumerate()
            .filter_map(|(i, n)| {
                n.as_ref().map(|n| (n.upper.len(), std::cmp::Reverse(self.rowid_of[i]), i as u32))
            })
            .max()
            .map(|(_, _, id)| id)
    }

    /// The rowids whose stored records changed since the last call (removed ones included).
    pub fn take_dirty(&mut self) -> Vec<i64> {
        let mut out: Vec<i64> = self.dirty.drain().collect();
        out.sort_unstable();
        out
    }

    /// Every live node reachable from the entry point on layer 0 (for tests and checks).
    pub fn all_reachable(&self) -> bool {
        let Some(entry) = self.entry else { return self.is_empty() };
        let mut seen = IdSet::default();
        let mut stack = vec![entry];
        seen.insert(entry);
        while let Some(id) = stack.pop() {
            for &n in self.links(id, 0) {
                if seen.insert(n) {
                    stack.push(n);
                }
            }
        }
        seen.len() == self.len()
    }

    /// Bytes held (nodes, links, maps).
    pub fn heap_bytes(&self) -> usize {
        let links: usize = self
            .nodes
            .iter()
            .flatten()
            .map(|n| {
                24 * (n.upper.len() + n.rev.len())
                    + n.upper.iter().chain(&n.rev).map(|l| l.capacity() * 4).sum::<usize>()
            })
            .sum();
        self.nodes.capacity() * std::mem::size_of::<Option<Node>>()
            + self.rowid_of.capacity() * 8
            + self.links0.heap_bytes()
            + links
            + self.id_of.capacity() * 13
            + self.free.capacity() * 4
    }
}

#[cfg(test)]
mod tests;
