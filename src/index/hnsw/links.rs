//! Where links live. Layer 0 (every node, and where a search spends its time) is one flat
//! table: per node id a count and room for `2m` neighbours, so expanding a node is one read
//! of one place rather than three dependent ones (node, its list of layers, the list). A
//! node with more than `2m` links (a removal may link an orphan one over the limit) keeps its
//! list aside. Upper layers stay per node. Either way a change goes through
//! [`Hnsw::set_links`], which keeps the reverse links in step.

use super::Hnsw;
use crate::index::ids::IdHasher;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;

/// The count that sends a node's layer-0 links to the side table.
const WIDE: u32 = u32::MAX;

pub(super) struct Layer0 {
    /// Links a node holds in the table.
    max: usize,
    /// `max + 1` u32 per node id: the count, then the neighbours.
    table: Vec<u32>,
    /// The lists of nodes over `max` (their count is [`WIDE`]).
    pub(super) wide: HashMap<u32, Vec<u32>, BuildHasherDefault<IdHasher>>,
}

impl Layer0 {
    pub(super) fn new(max: usize) -> Self {
        Layer0 { max, table: Vec::new(), wide: HashMap::default() }
    }

    /// Room for `additional` more node ids, exactly.
    pub(super) fn reserve(&mut self, additional: usize) {
        self.table.reserve_exact(additional * (self.max + 1));
    }

    /// Room for one more node id, without links.
    pub(super) fn push(&mut self) {
        self.table.resize(self.table.len() + self.max + 1, 0);
    }

    #[inline]
    pub(super) fn get(&self, id: u32) -> &[u32] {
        let at = id as usize * (self.max + 1);
        match self.table[at] {
            WIDE => &self.wide[&id],
            count => &self.table[at + 1..at + 1 + count as usize],
        }
    }

    fn set(&mut self, id: u32, links: Vec<u32>) {
        let at = id as usize * (self.max + 1);
        if links.len() <= self.max {
            self.table[at] = links.len() as u32;
            self.table[at + 1..at + 1 + links.len()].copy_from_slice(&links);
            self.wide.remove(&id);
        } else {
            self.table[at] = WIDE;
            self.wide.insert(id, links);
        }
    }

    pub(super) fn heap_bytes(&self) -> usize {
        self.table.capacity() * 4 + self.wide.values().map(|l| 40 + l.capacity() * 4).sum::<usize>()
    }
}

impl Hnsw {
    /// A node's neighbours on a layer.
    #[inline]
    pub(super) fn links(&self, id: u32, layer: usize) -> &[u32] {
        if layer == 0 {
            self.links0.get(id)
        } else {
            &self.node(id).upper[layer - 1]
        }
    }

    /// Stores a node's links on a layer as they are (no reverse links: see `set_links`).
    pub(super) fn write_links(&mut self, id: u32, layer: usize, links: Vec<u32>) {
        if layer == 0 {
            self.links0.set(id, links);
        } else {
            self.nodes[id as usize].as_mut().expect("a live node").upper[layer - 1] = links;
        }
    }

    /// Replaces a node's links on a layer, keeping the reverse links in step.
    pub(super) fn set_links(&mut self, id: u32, layer: usize, links: Vec<u32>) {
        let old = self.links(id, layer).to_vec();
        for &t in old.iter().filter(|t| !links.contains(t)) {
            if let Some(n) = self.nodes[t as usize].as_mut() {
                n.rev[layer].retain(|&x| x != id);
            }
        }
        for &t in links.iter().filter(|t| !old.contains(t)) {
            self.nodes[t as usize].as_mut().expect("a live neighbour").rev[layer].push(id);
        }
        self.write_links(id, layer, links);
        self.dirty.insert(self.rowid(id));
    }
}
