//! The on-disk vector encoding (little-endian f32 BLOB) and validation at the boundary.

use crate::error::{Error, Result};

/// Decodes exactly `out.len()` floats from little-endian bytes into place.
pub fn decode_to(bytes: &[u8], out: &mut [f32]) -> Result<()> {
    if bytes.len() != out.len() * 4 {
        return Err(Error::Corrupt(format!(
            "embedding of {} bytes, expected {}",
            bytes.len(),
            out.len() * 4
        )));
    }
    if cfg!(target_endian = "little") {
        bytemuck::cast_slice_mut::<f32, u8>(out).copy_from_slice(bytes);
    } else {
        for (o, c) in out.iter_mut().zip(bytes.chunks_exact(4)) {
            *o = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        }
    }
    Ok(())
}

/// Appends the little-endian bytes of a vector to a buffer.
pub fn encode_into(v: &[f32], out: &mut Vec<u8>) {
    if cfg!(target_endian = "little") {
        out.extend_from_slice(bytemuck::cast_slice(v));
    } else {
        out.extend(v.iter().flat_map(|x| x.to_le_bytes()));
    }
}

/// Checks a vector's components: non-empty, every component finite.
/// `what` names it in the message ("vector", "query", "vector 3 of the batch"); it is only
/// called on failure, so a batch does not format a name per vector.
pub fn validate(v: &[f32], what: impl FnOnce() -> String) -> Result<()> {
    if v.is_empty() {
        return Err(Error::InvalidVector(format!("{} is empty", what())));
    }
    if let Some((i, x)) = v.iter().enumerate().find(|(_, x)| !x.is_finite()) {
        return Err(Error::InvalidVector(format!(
            "{} has a non-finite component at index {i} ({x})",
            what()
        )));
    }
    Ok(())
}

/// Checks a vector against the database's dimension.
pub fn check_dimension(v: &[f32], dimension: usize) -> Result<()> {
    if v.len() != dimension {
        return Err(Error::DimensionMismatch { expected: dimension, actual: v.len() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip() {
        let v = vec![1.5f32, -0.0, 3.25e-7, f32::MAX];
        let mut bytes = Vec::new();
        encode_into(&v, &mut bytes);
        let mut back = vec![0.0; v.len()];
        decode_to(&bytes, &mut back).unwrap();
        assert_eq!(back, v);
        assert_eq!(decode_to(&bytes[1..], &mut back).unwrap_err().code(), "CORRUPT");
    }

    #[test]
    fn rejects_bad_vectors() {
        assert_eq!(validate(&[], || "q".into()).unwrap_err().code(), "INVALID_VECTOR");
        assert_eq!(validate(&[1.0, f32::NAN], || "q".into()).unwrap_err().code(), "INVALID_VECTOR");
        assert_eq!(validate(&[f32::INFINITY], || "q".into()).unwrap_err().code(), "INVALID_VECTOR");
        assert_eq!(check_dimension(&[1.0], 2).unwrap_err().code(), "DIMENSION_MISMATCH");
    }
}
