//! A scene written as binary glTF (GLB, glTF 2.0 §4.4), so that browsers' glTF viewers
//! can turn OBJ and STL models too. One node per placed mesh, each mesh one triangle
//! list of positions and `u32` indices with its colour as the material's
//! `baseColorFactor`; no normals, so viewers shade the facets flat, as the models have
//! none to give. A Z-up model (STL) hangs under a root node that turns it Y-up (§3.4).

use serde_json::{Value, json};

use super::scene::{Scene, Up};
use crate::MediaError;

/// `glTF` in ASCII, the GLB magic (§4.4.3).
const MAGIC: u32 = 0x4654_6C67;
/// Chunk types (§4.4.3.1): `JSON` and `BIN\0`.
const CHUNK_JSON: u32 = 0x4E4F_534A;
const CHUNK_BIN: u32 = 0x004E_4942;
/// Component types and buffer view targets (§5.1.3, §5.11.4).
const FLOAT: u32 = 5126;
const UNSIGNED_INT: u32 = 5125;
const ARRAY_BUFFER: u32 = 34962;
const ELEMENT_ARRAY_BUFFER: u32 = 34963;
/// A quarter turn about +X, as a quaternion (x, y, z, w): +Z up becomes +Y up.
const Z_UP_TO_Y_UP: [f64; 4] = [
    -std::f64::consts::FRAC_1_SQRT_2,
    0.0,
    0.0,
    std::f64::consts::FRAC_1_SQRT_2,
];

/// The GLB bytes of `scene`.
///
/// Errors: [`MediaError::OverLimit`] when the binary chunk would pass 4 GiB, which GLB's
/// 32-bit lengths cannot say (the scene limits keep models far below it).
pub(super) fn glb(scene: &Scene) -> Result<Vec<u8>, MediaError> {
    let mut bin = Vec::new();
    let (mut views, mut accessors, mut meshes, mut materials) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (i, mesh) in scene.meshes.iter().enumerate() {
        let (min, max) = bounds(&mesh.positions);
        let positions = push_view(&mut bin, &mut views, ARRAY_BUFFER, |out| {
            for p in &mesh.positions {
                p.iter()
                    .for_each(|c| out.extend_from_slice(&c.to_le_bytes()));
            }
        });
        accessors.push(json!({"bufferView": positions, "componentType": FLOAT,
            "count": mesh.positions.len(), "type": "VEC3", "min": min, "max": max}));
        let indices = push_view(&mut bin, &mut views, ELEMENT_ARRAY_BUFFER, |out| {
            for t in &mesh.triangles {
                t.iter()
                    .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
            }
        });
        accessors.push(json!({"bufferView": indices, "componentType": UNSIGNED_INT,
            "count": mesh.triangles.len() * 3, "type": "SCALAR"}));
        let [r, g, b] = mesh.color;
        materials.push(json!({"pbrMetallicRoughness": {
            "baseColorFactor": [r, g, b, 1.0], "metallicFactor": 0.0, "roughnessFactor": 0.8}}));
        meshes.push(json!({"primitives": [{
            "attributes": {"POSITION": 2 * i}, "indices": 2 * i + 1, "material": i}]}));
    }
    let mut nodes: Vec<Value> = scene
        .instances
        .iter()
        .map(|instance| json!({"mesh": instance.mesh, "matrix": instance.transform.columns()}))
        .collect();
    let placed: Vec<usize> = (0..nodes.len()).collect();
    let roots = match scene.up {
        Up::Y => placed,
        Up::Z => {
            nodes.push(json!({"rotation": Z_UP_TO_Y_UP, "children": placed}));
            vec![nodes.len() - 1]
        }
    };
    let document = json!({
        "asset": {"version": "2.0", "generator": "medialib"},
        "scene": 0,
        "scenes": [{"nodes": roots}],
        "nodes": nodes,
        "meshes": meshes,
        "materials": materials,
        "accessors": accessors,
        "bufferViews": views,
        "buffers": [{"byteLength": bin.len()}],
    });
    assemble(document.to_string().into_bytes(), bin)
}

/// Appends a buffer view written by `write` to `bin`, 4-byte aligned (§3.6.2.4), and
/// returns its index.
fn push_view(
    bin: &mut Vec<u8>,
    views: &mut Vec<Value>,
    target: u32,
    write: impl FnOnce(&mut Vec<u8>),
) -> usize {
    let offset = bin.len();
    write(bin);
    views.push(
        json!({"buffer": 0, "byteOffset": offset, "byteLength": bin.len() - offset,
        "target": target}),
    );
    bin.resize(bin.len().next_multiple_of(4), 0);
    views.len() - 1
}

/// The component-wise bounds of `positions`, which an accessor of positions must state
/// (§5.1.7); zeros for none.
fn bounds(positions: &[[f32; 3]]) -> ([f32; 3], [f32; 3]) {
    let mut iter = positions.iter();
    let Some(&first) = iter.next() else {
        return ([0.0; 3], [0.0; 3]);
    };
    iter.fold((first, first), |(lo, hi), p| {
        (
            [0, 1, 2].map(|k| lo[k].min(p[k])),
            [0, 1, 2].map(|k| hi[k].max(p[k])),
        )
    })
}

/// The header and the two chunks, each padded to 4 bytes: JSON with spaces, the binary
/// chunk with zeros (§4.4.3.1).
fn assemble(mut json: Vec<u8>, mut bin: Vec<u8>) -> Result<Vec<u8>, MediaError> {
    json.resize(json.len().next_multiple_of(4), b' ');
    bin.resize(bin.len().next_multiple_of(4), 0);
    let too_big = || MediaError::OverLimit("the model is too large for one GLB file".into());
    let total = u32::try_from(12 + 8 + json.len() + 8 + bin.len()).map_err(|_| too_big())?;
    let json_len = u32::try_from(json.len()).map_err(|_| too_big())?;
    let bin_len = u32::try_from(bin.len()).map_err(|_| too_big())?;
    let mut out = Vec::with_capacity(total as usize);
    for word in [MAGIC, 2, total, json_len, CHUNK_JSON] {
        out.extend_from_slice(&word.to_le_bytes());
    }
    out.extend_from_slice(&json);
    for word in [bin_len, CHUNK_BIN] {
        out.extend_from_slice(&word.to_le_bytes());
    }
    out.extend_from_slice(&bin);
    Ok(out)
}
