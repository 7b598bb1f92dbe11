//! glTF 2.0 (Khronos, <https://registry.khronos.org/glTF/specs/2.0/glTF-2.0.html>): GLB, and
//! glTF JSON whose buffers and images are embedded as `data:` URIs.
//!
//! The `gltf` crate parses and validates the JSON; buffers are resolved here from the upload
//! alone, and the checks the `gltf` crate leaves to its caller (byte ranges, index ranges,
//! finite positions, the node hierarchy being a tree) follow what the Khronos glTF-Validator
//! reports as errors. `container.rs` finds the bytes, `accessor.rs` reads them, `draco.rs`
//! handles `KHR_draco_mesh_compression`.

use std::borrow::Cow;
use std::ops::Range;

use gltf::json;
use gltf::json::validation::{Checked, Validate};
use gltf::mesh::{Mode, Semantic};
use medialib_core::ModelMetadata;

mod accessor;
mod container;
mod draco;
#[cfg(test)]
mod tests;

use accessor::Buffers;
use container::{check_images, resolve_buffers, split_glb};
use draco::Compressed;

use super::scene::{self, Instance, Mesh, NEUTRAL, Rgb, Scene, Transform, Up};
use crate::MediaError;

/// How the glTF arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Container {
    /// Binary glTF (glTF 2.0 §4): a JSON chunk and an optional BIN chunk.
    Glb,
    /// A `.gltf` JSON document.
    Json,
}

/// Parses, validates and reduces a glTF to its facts and its default scene.
pub(super) fn load(
    bytes: &[u8],
    container: Container,
) -> Result<(ModelMetadata, Scene), MediaError> {
    let (json, bin) = match container {
        Container::Glb => split_glb(bytes)?,
        Container::Json => (Cow::Borrowed(bytes), None),
    };
    let Parsed {
        document,
        missing_bounds,
        compressed,
    } = parse(&json)?;
    let buffers = resolve_buffers(&document, bin)?;
    check_images(&document)?;
    accessor::check_ranges(&document, &buffers)?;
    let (vertex_count, triangle_count) = count(&document)?;
    let (meshes, placed_by_mesh) = read_meshes(&document, &buffers, &compressed)?;
    // Checked after the data, so that positions that are broken (the graver fault, and the
    // usual reason exporters leave the bounds out) are what the message names.
    if let Some(path) = missing_bounds {
        return Err(MediaError::Invalid(format!(
            "{path} is missing: glTF 2.0 §3.7.2.1 requires min and max on POSITION accessors"
        )));
    }
    let instances = instances(&document, &placed_by_mesh)?;
    let scene = Scene::new(meshes, instances, Up::Y)?;
    let metadata = ModelMetadata {
        format: match container {
            Container::Glb => "glb",
            Container::Json => "gltf",
        }
        .to_owned(),
        vertex_count,
        triangle_count,
        mesh_count: saturating_u32(document.meshes().len()),
        material_count: saturating_u32(document.materials().len()),
        texture_count: saturating_u32(document.textures().len()),
        bounding_box: scene.bounding_box(),
        generator: document.as_json().asset.generator.clone(),
    };
    Ok((metadata, scene))
}

fn saturating_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A validated glTF document and what validation left for later.
struct Parsed {
    document: gltf::Document,
    /// The JSON path of the first missing POSITION bound, refused after the data is read so
    /// that `load` can report broken positions first.
    missing_bounds: Option<json::Path>,
    compressed: Compressed,
}

/// Parses and validates the JSON.
fn parse(json: &[u8]) -> Result<Parsed, MediaError> {
    let root = json::Root::from_slice(json)
        .map_err(|e| MediaError::Invalid(format!("not a valid glTF 2.0 JSON document: {e}")))?;
    check_position_references(&root)?;
    let compressed = Compressed::find(json, &root)?;
    let (mut errors, mut missing_bounds) = (Vec::new(), None);
    root.validate(&root, json::Path::new, &mut |path, error| {
        let path = path();
        let bound = [r#"["POSITION"].min"#, r#"["POSITION"].max"#]
            .iter()
            .any(|end| path.as_str().ends_with(end));
        if bound && error == json::validation::Error::Missing {
            missing_bounds.get_or_insert(path);
        } else if !compressed.explains(&path, error) {
            errors.push(format!("{path}: {error}"));
        }
    });
    if !errors.is_empty() {
        let more = errors.len().saturating_sub(5);
        errors.truncate(5);
        let more = if more > 0 {
            format!(" (and {more} more)")
        } else {
            String::new()
        };
        return Err(MediaError::Invalid(format!(
            "the glTF is not valid: {}{more}",
            errors.join("; ")
        )));
    }
    Ok(Parsed {
        document: gltf::Document::from_json_without_validation(root),
        missing_bounds,
        compressed,
    })
}

/// `gltf-json`'s validation indexes the accessor list with each POSITION reference before it
/// has checked the reference, and panics on one out of range; this checks them first.
fn check_position_references(root: &json::Root) -> Result<(), MediaError> {
    let position = Checked::Valid(json::mesh::Semantic::Positions);
    for (m, mesh) in root.meshes.iter().enumerate() {
        for (p, primitive) in mesh.primitives.iter().enumerate() {
            if let Some(index) = primitive.attributes.get(&position)
                && index.value() >= root.accessors.len()
            {
                return Err(MediaError::Invalid(format!(
                    "meshes[{m}].primitives[{p}] uses accessor {} for POSITION, which is out of \
                     range: there are {} accessors",
                    index.value(),
                    root.accessors.len()
                )));
            }
        }
    }
    Ok(())
}

/// Triangles drawn from `elements` vertices or indices in `mode` (glTF 2.0 §3.7.2.1).
fn triangles_for(mode: Mode, elements: usize) -> u64 {
    let elements = elements as u64;
    match mode {
        Mode::Triangles => elements / 3,
        Mode::TriangleStrip | Mode::TriangleFan => elements.saturating_sub(2),
        Mode::Points | Mode::Lines | Mode::LineLoop | Mode::LineStrip => 0,
    }
}

/// Vertices (the POSITION accessor counts) and triangles over every mesh primitive, counted
/// from the accessors alone, so that limits are enforced before any data is read.
fn count(document: &gltf::Document) -> Result<(u64, u64), MediaError> {
    let (mut vertices, mut triangles) = (0u64, 0u64);
    for mesh in document.meshes() {
        for primitive in mesh.primitives() {
            let what = || format!("mesh {} primitive {}", mesh.index(), primitive.index());
            let Some(position) = primitive.get(&Semantic::Positions) else {
                return Err(MediaError::Invalid(format!("{} has no POSITION", what())));
            };
            let n = position.count();
            if let Some((semantic, other)) = primitive.attributes().find(|(_, a)| a.count() != n) {
                return Err(MediaError::Invalid(format!(
                    "{}: attribute {semantic:?} has {} elements but POSITION has {n}; all \
                     attributes of a primitive must have the same count (glTF 2.0 §3.7.2.1)",
                    what(),
                    other.count()
                )));
            }
            let elements = primitive.indices().map_or(n, |indices| indices.count());
            vertices += n as u64;
            triangles += triangles_for(primitive.mode(), elements);
            scene::check_limits(vertices, triangles, "in its meshes")?;
        }
    }
    Ok((vertices, triangles))
}

/// The triangles an index list draws in `mode`; strips alternate their winding to keep it
/// consistent (glTF 2.0 §3.7.2.1).
fn assemble(mode: Mode, indices: &[u32]) -> Vec<[u32; 3]> {
    match mode {
        Mode::Triangles => indices
            .chunks_exact(3)
            .filter_map(|t| t.try_into().ok())
            .collect(),
        Mode::TriangleStrip => indices
            .windows(3)
            .enumerate()
            .filter_map(|(i, w)| match *w {
                [a, b, c] if i % 2 == 0 => Some([a, b, c]),
                [a, b, c] => Some([b, a, c]),
                _ => None,
            })
            .collect(),
        Mode::TriangleFan => match indices.split_first() {
            Some((&first, rest)) => rest
                .windows(2)
                .filter_map(|w| match *w {
                    [b, c] => Some([first, b, c]),
                    _ => None,
                })
                .collect(),
            None => Vec::new(),
        },
        Mode::Points | Mode::Lines | Mode::LineLoop | Mode::LineStrip => Vec::new(),
    }
}

/// The base colour when the material has one without a texture (glTF 2.0 §3.9.2); a texture
/// multiplies the factor, so alone the factor would misrepresent the model.
fn color(primitive: &gltf::Primitive) -> Rgb {
    let material = primitive.material();
    let pbr = material.pbr_metallic_roughness();
    if material.index().is_none() || pbr.base_color_texture().is_some() {
        return NEUTRAL;
    }
    let [r, g, b, _] = pbr.base_color_factor();
    let rgb = [r, g, b];
    if rgb.iter().all(|c| c.is_finite()) {
        rgb.map(|c| c.clamp(0.0, 1.0))
    } else {
        NEUTRAL
    }
}

/// One [`Mesh`] per primitive, and for each glTF mesh the range of them it consists of.
/// Draco-compressed primitives stand in as their bounding boxes (see `draco.rs`).
fn read_meshes(
    document: &gltf::Document,
    buffers: &Buffers,
    compressed: &Compressed,
) -> Result<(Vec<Mesh>, Vec<Range<usize>>), MediaError> {
    let (mut meshes, mut ranges) = (Vec::new(), Vec::new());
    for mesh in document.meshes() {
        let start = meshes.len();
        for primitive in mesh.primitives() {
            let what = format!("mesh {} primitive {}", mesh.index(), primitive.index());
            let Some(position) = primitive.get(&Semantic::Positions) else {
                return Err(MediaError::Invalid(format!("{what} has no POSITION")));
            };
            if compressed.contains(mesh.index(), primitive.index()) {
                meshes.push(draco::bounding_box_mesh(
                    &what,
                    &position,
                    color(&primitive),
                )?);
                continue;
            }
            let positions = accessor::read_positions(&position, buffers)?;
            let n = u32::try_from(positions.len())
                .map_err(|_| MediaError::OverLimit(format!("{what} has too many vertices")))?;
            let indices = match primitive.indices() {
                Some(indices) => {
                    let values = accessor::read_indices(&indices, buffers)?;
                    if let Some((i, v)) = values.iter().enumerate().find(|(_, v)| **v >= n) {
                        return Err(MediaError::Invalid(format!(
                            "{what}: index {v} (element {i} of accessor {}) is out of range: \
                             the primitive has {n} vertices",
                            indices.index()
                        )));
                    }
                    values
                }
                None => (0..n).collect(),
            };
            let triangles = assemble(primitive.mode(), &indices);
            meshes.push(Mesh::new(&what, positions, triangles, color(&primitive))?);
        }
        ranges.push(start..meshes.len());
    }
    Ok((meshes, ranges))
}

/// Places the meshes by walking the default scene's node trees (glTF 2.0 §3.5.2–3.5.3), or
/// the first scene's; without any scene every mesh stands once, untransformed. Nodes outside
/// the scene are not drawn.
fn instances(
    document: &gltf::Document,
    placed_by_mesh: &[Range<usize>],
) -> Result<Vec<Instance>, MediaError> {
    let place = |mesh: usize, transform: Transform| {
        placed_by_mesh
            .get(mesh)
            .cloned()
            .unwrap_or_default()
            .map(move |mesh| Instance { mesh, transform })
    };
    let Some(scene) = document
        .default_scene()
        .or_else(|| document.scenes().next())
    else {
        return Ok((0..placed_by_mesh.len())
            .flat_map(|m| place(m, Transform::IDENTITY))
            .collect());
    };
    let mut visited = vec![false; document.nodes().len()];
    let mut stack: Vec<_> = scene.nodes().map(|n| (n, Transform::IDENTITY)).collect();
    let mut instances = Vec::new();
    while let Some((node, parent)) = stack.pop() {
        match visited.get_mut(node.index()) {
            Some(seen) if !*seen => *seen = true,
            _ => {
                return Err(MediaError::Invalid(format!(
                    "node {} is reached twice from scene {}: glTF nodes must form disjoint \
                     trees (glTF 2.0 §3.5.2)",
                    node.index(),
                    scene.index()
                )));
            }
        }
        let local = Transform::from_columns(node.transform().matrix()).ok_or_else(|| {
            MediaError::Invalid(format!(
                "node {} has a transform that is not finite",
                node.index()
            ))
        })?;
        let world = parent.then(&local);
        if let Some(mesh) = node.mesh() {
            instances.extend(place(mesh.index(), world));
        }
        stack.extend(node.children().map(|child| (child, world)));
    }
    Ok(instances)
}
