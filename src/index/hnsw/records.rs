//! How a graph is stored: one record per node, keyed by rowid (see ARCHITECTURE.md,
//! `index_graph`), and the graph rebuilt from those records.

use super::{Hnsw, Node, Params};

impl Hnsw {
    /// A node's stored record: its level, then per layer a count (u16) and the neighbours'
    /// rowids (i64), little-endian. `None` for a rowid that is not in the graph.
    pub fn record(&self, rowid: i64) -> Option<Vec<u8>> {
        let id = *self.id_of.get(&rowid)?;
        let level = self.level(id);
        let mut out = vec![level as u8];
        for links in (0..=level).map(|layer| self.links(id, layer)) {
            out.extend_from_slice(&(links.len() as u16).to_le_bytes());
            for &n in links {
                out.extend_from_slice(&self.rowid(n).to_le_bytes());
            }
        }
        Some(out)
    }

    /// Rebuilds the graph from stored records (`(rowid, record)` for every node). `None`
    /// when a record is malformed or links to a rowid that has none: the caller rebuilds.
    pub fn from_records(params: Params, records: Vec<(i64, Vec<u8>)>) -> Option<Self> {
        let mut g = Hnsw::new(params);
        g.reserve(records.len());
        let mut parsed = Vec::with_capacity(records.len());
        for (i, (rowid, rec)) in records.iter().enumerate() {
            g.id_of.insert(*rowid, i as u32);
            let (&level, mut rest) = rec.split_first()?;
            let mut layers = Vec::with_capacity(level as usize + 1);
            for _ in 0..=level {
                let count = u16::from_le_bytes(rest.get(..2)?.try_into().ok()?) as usize;
                rest = &rest[2..];
                let bytes = rest.get(..count * 8)?;
                layers.push(
                    bytes
                        .chunks_exact(8)
                        .map(|b| i64::from_le_bytes(b.try_into().expect("8 bytes")))
                        .collect::<Vec<i64>>(),
                );
                rest = &rest[count * 8..];
            }
            if !rest.is_empty() {
                return None;
            }
            parsed.push(layers);
        }
        for ((rowid, _), layers) in records.iter().zip(parsed) {
            let mut links = Vec::with_capacity(layers.len());
            for layer in layers {
                links.push(layer.iter().map(|r| g.id_of.get(r).copied()).collect::<Option<Vec<u32>>>()?);
            }
            let rev = vec![Vec::new(); links.len()];
            let id = g.nodes.len() as u32;
            let zero = links.remove(0);
            g.nodes.push(Some(Node { upper: links, rev }));
            g.rowid_of.push(*rowid);
            g.links0.push();
            g.write_links(id, 0, zero);
        }
        for id in 0..g.nodes.len() as u32 {
            let links: Vec<Vec<u32>> = (0..=g.level(id)).map(|layer| g.links(id, layer).to_vec()).collect();
            for (layer, targets) in links.iter().enumerate() {
                for &t in targets {
                    let target = g.nodes[t as usize].as_mut().expect("a node");
                    if target.rev.len() <= layer {
                        return None;
                    }
                    target.rev[layer].push(id);
                }
            }
        }
        g.entry = g.pick_entry();
        Some(g)
    }

    /// Gives every node its new rowid after the file's rows were renumbered (`new_rowid`
    /// keeps their order) and marks every node changed: a record names its neighbours by
    /// rowid, so the whole table is written again.
    pub fn renumber(&mut self, new_rowid: &dyn Fn(i64) -> i64) {
        self.id_of.clear();
        self.dirty.clear();
        for (id, node) in self.nodes.iter().enumerate() {
            if node.is_some() {
                let rowid = new_rowid(self.rowid_of[id]);
                self.rowid_of[id] = rowid;
                self.id_of.insert(rowid, id as u32);
                self.dirty.insert(rowid);
            }
        }
    }
}
