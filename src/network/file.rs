//! The saved-network file (`.cmnet`): a signature with the format version,
//! then two sections, each `(u64 length, u32 CRC-32, bincode bytes)`: the
//! source (path, size, time, build options), then the network itself.
//!
//! The source has its own section so that a network whose graphs are
//! damaged can still be rebuilt from the file it came from. A loaded network
//! is checked (lengths agree, indices in range, numbers finite) before any
//! search can index with it.

use super::{Graph, Network, SourceInfo};
use crate::error::{Error, Result};
use crate::output::replace_atomically;
use bincode::Options;
use serde::{de::DeserializeOwned, Serialize};
use std::io::Write;
use std::path::Path;

/// Signature; the last two bytes are the format version.
const MAGIC: &[u8; 8] = b"CMNET\x00\x00\x02";

/// A saved network that could not be used, and its source when that much was readable.
pub struct Unusable {
    pub reason: String,
    pub source: Option<SourceInfo>,
}

fn bincode_options() -> impl Options {
    // the encoding of bincode::serialize, as every saved file so far
    bincode::DefaultOptions::new().with_fixint_encoding().allow_trailing_bytes()
}

fn write_section(writer: &mut impl Write, value: &impl Serialize) -> std::io::Result<()> {
    let bytes = bincode_options().serialize(value).map_err(std::io::Error::other)?;
    writer.write_all(&(bytes.len() as u64).to_le_bytes())?;
    writer.write_all(&crc32fast::hash(&bytes).to_le_bytes())?;
    writer.write_all(&bytes)
}

/// Saves `network` (temporary file, then moved into place).
pub fn save(network: &Network, path: &Path) -> Result<()> {
    replace_atomically(path, |temporary| {
        let file = std::fs::File::create(temporary).map_err(|e| Error::io(temporary.display(), e))?;
        let mut writer = std::io::BufWriter::new(file);
        let written = writer
            .write_all(MAGIC)
            .and_then(|_| write_section(&mut writer, &network.source))
            .and_then(|_| write_section(&mut writer, network))
            .and_then(|_| writer.flush());
        written.map_err(|e| Error::io(path.display(), e))
    })
}

/// Reads one section from `bytes[*at..]`, checking its length and checksum.
fn read_section<T: DeserializeOwned>(bytes: &[u8], at: &mut usize, what: &str) -> std::result::Result<T, String> {
    let header = bytes.get(*at..*at + 12).ok_or_else(|| format!("the file ends before its {what}"))?;
    let length = u64::from_le_bytes(header[..8].try_into().expect("8 bytes"));
    let crc = u32::from_le_bytes(header[8..].try_into().expect("4 bytes"));
    let start = *at + 12;
    let body = usize::try_from(length)
        .ok()
        .and_then(|n| bytes.get(start..start.checked_add(n)?))
        .ok_or_else(|| format!("its {what} is cut short"))?;
    if crc32fast::hash(body) != crc {
        return Err(format!("its {what} does not match its checksum"));
    }
    *at = start + body.len();
    bincode_options().with_limit(length).deserialize(body).map_err(|e| format!("its {what} cannot be read ({e})"))
}

/// Loads a saved network, or says why it cannot be used.
pub fn load(path: &Path) -> Result<std::result::Result<Network, Unusable>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path.display(), e))?;
    if bytes.len() < MAGIC.len() || bytes[..6] != MAGIC[..6] {
        return Err(Error::io(path.display(), "not a CapaCityMetro network file"));
    }
    let unusable = |reason: String, source| Ok(Err(Unusable { reason, source }));
    if bytes[..8] != MAGIC[..] {
        return unusable("it was saved by another version of CapaCityMetro".into(), None);
    }
    let mut at = MAGIC.len();
    let source: SourceInfo = match read_section(&bytes, &mut at, "source section") {
        Ok(source) => source,
        Err(reason) => return unusable(reason, None),
    };
    let network: Network = match read_section(&bytes, &mut at, "graph section") {
        Ok(network) => network,
        Err(reason) => return unusable(reason, Some(source)),
    };
    for mode in &network.modes {
        if let Err(problem) = check_graph(&mode.graph) {
            return unusable(format!("its {} graph is inconsistent ({problem})", mode.mode.as_str()), Some(source));
        }
    }
    Ok(Ok(network))
}

/// Whether a graph can be searched: lengths agree, indices in range, numbers finite.
pub fn check_graph(g: &Graph) -> std::result::Result<(), String> {
    let (nodes, edges) = (g.xy.len(), g.targets.len());
    let finite = |p: &[f64; 2]| p[0].is_finite() && p[1].is_finite();
    if g.offsets.len() != nodes + 1 || g.offsets.first() != Some(&0) || g.offsets.last() != Some(&(edges as u32)) {
        return Err("edge offsets do not match the nodes and edges".into());
    }
    if g.offsets.windows(2).any(|w| w[0] > w[1]) {
        return Err("edge offsets go back".into());
    }
    if g.time_s.len() != edges || g.length_m.len() != edges {
        return Err("edge times or lengths are missing".into());
    }
    if g.targets.iter().any(|&t| t as usize >= nodes) {
        return Err("an edge leads to no node".into());
    }
    if !g.xy.iter().all(finite) {
        return Err("a node has no finite coordinates".into());
    }
    if !g.time_s.iter().chain(&g.length_m).all(|v| v.is_finite() && *v >= 0.0) {
        return Err("an edge time or length is not a finite non-negative number".into());
    }
    let link_ok = |l: &super::Link| {
        (l.from as usize) < nodes
            && (l.to as usize) < nodes
            && l.forward.is_none_or(|e| (e as usize) < edges)
            && l.backward.is_none_or(|e| (e as usize) < edges)
            && l.geometry.len() >= 2
            && l.geometry.iter().all(finite)
            && l.length_m.is_finite()
    };
    if !g.links.iter().all(link_ok) {
        return Err("a link refers to no node or edge".into());
    }
    Ok(())
}
