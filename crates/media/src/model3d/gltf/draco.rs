//! `KHR_draco_mesh_compression` (Khronos glTF extension registry): primitives whose geometry
//! is Draco-compressed in a buffer view instead of stored in accessors.
//!
//! Such primitives are recognised, not decoded. The extension keeps every accessor's `count`,
//! `min` and `max`, which describe the decompressed data, so the counts and bounds in the
//! facts are exact (they are what the Khronos validator reports too); the preview draws each
//! compressed primitive as its bounding box. Drawing the real surface needs a Draco decoder
//! (for example the pure-Rust `draco-core` crate), which this crate does not depend on; the
//! compressed bytes are range-checked like any buffer view but not otherwise validated.

use std::collections::BTreeSet;

use gltf::json;
use serde_json::Value;

use crate::MediaError;
use crate::model3d::scene::{Mesh, Rgb};

/// The extension's name, as listed in `extensionsUsed` and `extensionsRequired`.
const EXTENSION: &str = "KHR_draco_mesh_compression";

/// The compressed primitives, as (mesh, primitive) indices, and the accessors they use.
#[derive(Debug, Default)]
pub(super) struct Compressed {
    primitives: BTreeSet<(usize, usize)>,
    accessors: BTreeSet<usize>,
}

impl Compressed {
    /// Finds the compressed primitives in the JSON. The `gltf` crate drops unknown extension
    /// objects (unless built with its `extensions` feature), so the JSON is read again here;
    /// only when it names the extension at all.
    pub fn find(json: &[u8], root: &json::Root) -> Result<Self, MediaError> {
        let mut found = Self::default();
        if !json
            .windows(EXTENSION.len())
            .any(|w| w == EXTENSION.as_bytes())
        {
            return Ok(found);
        }
        let value: Value = serde_json::from_slice(json)
            .map_err(|e| MediaError::Invalid(format!("not valid JSON: {e}")))?;
        for (m, mesh) in root.meshes.iter().enumerate() {
            for (p, primitive) in mesh.primitives.iter().enumerate() {
                let extensions = &value["meshes"][m]["primitives"][p]["extensions"];
                if extensions.get(EXTENSION).is_none() {
                    continue;
                }
                found.primitives.insert((m, p));
                let attributes = primitive.attributes.values().map(|a| a.value());
                found
                    .accessors
                    .extend(attributes.chain(primitive.indices.map(|i| i.value())));
            }
        }
        Ok(found)
    }

    /// Whether the primitive's geometry is compressed.
    pub fn contains(&self, mesh: usize, primitive: usize) -> bool {
        self.primitives.contains(&(mesh, primitive))
    }

    /// Whether a `gltf-json` validation error is one the extension explains: the extension
    /// required (which `gltf-json` does not know), and the compressed primitives' accessors
    /// without a buffer view (their data is in the Draco stream).
    pub fn explains(&self, path: &json::Path, error: json::validation::Error) -> bool {
        use json::validation::Error::{Missing, Unsupported};
        let path = path.as_str();
        match error {
            Unsupported => {
                path.starts_with("extensionsRequired[")
                    && path.ends_with(&format!("\"{EXTENSION}\""))
            }
            Missing => self
                .accessors
                .iter()
                .any(|a| path == format!("accessors[{a}].bufferView")),
            _ => false,
        }
    }
}

/// The stand-in for a compressed primitive: the box its POSITION accessor's `min` and `max`
/// declare (glTF 2.0 §3.7.2.1 requires them), as 8 corners and 12 triangles.
pub(super) fn bounding_box_mesh(
    what: &str,
    position: &gltf::Accessor,
    color: Rgb,
) -> Result<Mesh, MediaError> {
    let bound = |value: Option<Value>| -> Option<[f32; 3]> {
        let values = value?;
        let values = values.as_array()?;
        let mut out = [0.0; 3];
        for (slot, v) in out.iter_mut().zip(values) {
            *slot = v.as_f64()? as f32;
        }
        (values.len() == 3).then_some(out)
    };
    let (Some(min), Some(max)) = (bound(position.min()), bound(position.max())) else {
        return Err(MediaError::Invalid(format!(
            "{what} is Draco-compressed and its POSITION accessor {} lacks a valid min and max, \
             which glTF 2.0 §3.7.2.1 requires",
            position.index()
        )));
    };
    let corner = |i: u32| {
        std::array::from_fn(|axis| {
            if i >> axis & 1 == 1 {
                max[axis]
            } else {
                min[axis]
            }
        })
    };
    let positions = (0..8).map(corner).collect();
    // Two triangles per face; corner bit 0 is x, bit 1 y, bit 2 z.
    let faces: [[u32; 4]; 6] = [
        [0, 2, 6, 4],
        [1, 5, 7, 3],
        [0, 4, 5, 1],
        [2, 3, 7, 6],
        [0, 1, 3, 2],
        [4, 6, 7, 5],
    ];
    let triangles = faces
        .iter()
        .flat_map(|&[a, b, c, d]| [[a, b, c], [a, c, d]])
        .collect();
    Mesh::new(what, positions, triangles, color)
}
