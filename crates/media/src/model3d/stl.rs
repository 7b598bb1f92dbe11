//! STL (3D Systems' *StereoLithography Interface Specification*, 1989), binary and ASCII.
//!
//! ASCII goes to `stl_io`. Binary is read here: `stl_io` takes any file whose first line starts
//! with `solid ` for ASCII, and binary exporters often begin their free-text header with
//! `solid`, so the choice is made by the binary size formula instead, as sniffing does.

use std::io::Cursor;

use medialib_core::ModelMetadata;

use super::MAX_TRIANGLES;
use super::scene::{self, Mesh, NEUTRAL, Scene, Up};
use crate::MediaError;

/// A binary STL's header: 80 bytes of free text, then the triangle count.
const HEADER: usize = 84;
/// A binary triangle: normal and three vertices as 32-bit little-endian floats, then a
/// 2-byte attribute count.
const RECORD: usize = 50;

/// Parses an STL into its facts and one mesh. STL shares no vertices, so `vertex_count` is
/// three per triangle.
pub(super) fn load(bytes: &[u8]) -> Result<(ModelMetadata, Scene), MediaError> {
    let mesh = match binary_count(bytes) {
        Some(count) => binary(bytes, count)?,
        None => ascii(bytes)?,
    };
    let triangle_count = mesh.triangles.len() as u64;
    if triangle_count == 0 {
        return Err(MediaError::Invalid(
            "the STL has no triangles, so there is nothing to show".into(),
        ));
    }
    scene::check_limits(3 * triangle_count, triangle_count, "in the file")?;
    let scene = Scene::single(mesh, Up::Z)?;
    let metadata = ModelMetadata {
        format: "stl".to_owned(),
        vertex_count: 3 * triangle_count,
        triangle_count,
        mesh_count: 1,
        material_count: 0,
        texture_count: 0,
        bounding_box: scene.bounding_box(),
        generator: None,
    };
    Ok((metadata, scene))
}

/// The triangle count of a binary STL, when the file is exactly as long as it says.
fn binary_count(bytes: &[u8]) -> Option<usize> {
    let count = bytes.get(80..HEADER)?;
    let count = u32::from_le_bytes(count.try_into().ok()?) as usize;
    let expected = count.checked_mul(RECORD)?.checked_add(HEADER)?;
    (expected == bytes.len()).then_some(count)
}

fn binary(bytes: &[u8], count: usize) -> Result<Mesh, MediaError> {
    if count as u64 > MAX_TRIANGLES {
        return Err(MediaError::OverLimit(format!(
            "the STL has {count} triangles; at most {MAX_TRIANGLES} are accepted"
        )));
    }
    let records = bytes.get(HEADER..).unwrap_or_default();
    let float = |record: &[u8], at: usize| {
        record
            .get(at..at + 4)
            .and_then(|b| b.try_into().ok())
            .map_or(f32::NAN, f32::from_le_bytes)
    };
    let mut positions = Vec::with_capacity(3 * count);
    for record in records.chunks_exact(RECORD) {
        for vertex in 0..3 {
            let at = 12 + 12 * vertex;
            positions.push([
                float(record, at),
                float(record, at + 4),
                float(record, at + 8),
            ]);
        }
    }
    let triangles = (0..count as u32)
        .map(|t| [3 * t, 3 * t + 1, 3 * t + 2])
        .collect();
    Mesh::new("the binary STL", positions, triangles, NEUTRAL)
}

fn ascii(bytes: &[u8]) -> Result<Mesh, MediaError> {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let text = &bytes[start..];
    if !text.starts_with(b"solid") {
        return Err(MediaError::Invalid(
            "neither binary STL (whose size is 84 + 50 × its triangle count) nor ASCII STL \
             (which starts with \"solid\")"
                .into(),
        ));
    }
    // stl_io wants `solid ` with a space on the first line; a bare `solid` is valid too.
    let normalised;
    let text = if text.starts_with(b"solid ") {
        text
    } else {
        let rest = text
            .iter()
            .position(|&b| b == b'\n')
            .map_or(&[][..], |newline| &text[newline..]);
        normalised = [&b"solid "[..], rest].concat();
        &normalised
    };
    let stl = stl_io::read_stl(&mut Cursor::new(text))
        .map_err(|e| MediaError::Invalid(format!("ASCII STL: {e}")))?;
    let positions = stl.vertices.iter().map(|v| v.0).collect();
    let triangles = stl
        .faces
        .iter()
        .map(|face| {
            let index = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
            face.vertices.map(index)
        })
        .collect();
    Mesh::new("the ASCII STL", positions, triangles, NEUTRAL)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binary_stl(header: &[u8], triangles: &[[[f32; 3]; 3]]) -> Vec<u8> {
        let mut bytes = header.to_vec();
        bytes.resize(80, b' ');
        bytes.extend_from_slice(&(triangles.len() as u32).to_le_bytes());
        for t in triangles {
            bytes.extend_from_slice(&[0; 12]);
            for v in t.iter().flatten() {
                bytes.extend_from_slice(&v.to_le_bytes());
            }
            bytes.extend_from_slice(&[0; 2]);
        }
        bytes
    }

    const TRIANGLE: [[f32; 3]; 3] = [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 2.0, 3.0]];

    #[test]
    fn binary_with_a_solid_header_is_read_as_binary() {
        let bytes = binary_stl(b"solid by a CAD tool", &[TRIANGLE, TRIANGLE]);
        let (facts, _) = load(&bytes).unwrap();
        assert_eq!((facts.triangle_count, facts.vertex_count), (2, 6));
        assert_eq!(facts.bounding_box.unwrap().max, [1.0, 2.0, 3.0]);
    }

    #[test]
    fn ascii_with_a_bare_solid_line() {
        let ascii = b"  solid\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0 0\n\
                      vertex 0 1 0\nendloop\nendfacet\nendsolid\n";
        let (facts, _) = load(ascii).unwrap();
        assert_eq!((facts.triangle_count, facts.vertex_count), (1, 3));
    }

    #[test]
    fn empty_non_finite_and_malformed_are_refused() {
        let no_triangles = load(&binary_stl(b"", &[])).map(|_| ()).unwrap_err();
        assert!(no_triangles.to_string().contains("no triangles"));
        let mut infinite = TRIANGLE;
        infinite[1][2] = f32::INFINITY;
        let err = load(&binary_stl(b"", &[infinite])).map(|_| ()).unwrap_err();
        assert!(err.to_string().contains("not finite"), "{err}");
        let err = load(b"solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0 inf\n")
            .map(|_| ())
            .unwrap_err();
        assert!(err.to_string().contains("ASCII STL"), "{err}");
        assert!(load(b"hello").is_err());
        // A binary count that does not match the size is not binary, and not ASCII either.
        let mut truncated = binary_stl(b"x", &[TRIANGLE]);
        truncated.pop();
        assert!(load(&truncated).is_err());
    }
}
