//! 3D models: glTF 2.0 (JSON with embedded buffers, and GLB), Wavefront OBJ, STL, PLY and 3MF.
//!
//! Every format is parsed from the uploaded bytes alone, validated, and reduced to one
//! scene of triangle meshes placed in the world (`scene.rs`); [`probe`] reports its facts
//! and [`render_preview`] draws it with a small software rasterizer. Nothing is ever read from
//! disk or the network: a glTF that points at external files, or an OBJ's `.mtl` library, is
//! not followed.
//!
//! Files:
//! - `gltf/`: glTF validation, meshes and the node hierarchy (`mod.rs`); GLB chunks and
//!   `data:` URIs (`container.rs`); accessors read with every range checked (`accessor.rs`);
//!   Draco-compressed primitives (`draco.rs`).
//! - `obj.rs`, `stl.rs`, `ply.rs`, `threemf/`: the other formats; 3MF's zip package and XML
//!   are read with the bounded helpers office documents use (`document::office`,
//!   `document::xml`).
//! - `scene.rs`: the shared geometry, transforms, bounds and size limits.
//! - `render.rs`: camera, rasterizer, shading, anti-aliasing and PNG encoding.
//! - `export.rs`: a scene written as GLB, for browsers' glTF viewers.

mod export;
mod gltf;
mod obj;
mod ply;
mod render;
mod scene;
mod stl;
mod threemf;

use medialib_core::ModelMetadata;

use crate::MediaError;
use scene::Scene;

/// The most triangles a model may have, counted as drawn: a mesh that several glTF nodes
/// place counts once per node. Over it, [`probe`] and [`render_preview`] refuse the model with
/// [`MediaError::OverLimit`], so neither memory nor render time can explode.
pub const MAX_TRIANGLES: u64 = 10_000_000;

/// The most vertices a model may have, counted like [`MAX_TRIANGLES`].
pub const MAX_VERTICES: u64 = 10_000_000;

/// The largest preview side [`render_preview`] draws, in pixels.
pub const MAX_PREVIEW_SIDE: u32 = 4096;

/// Parses and validates a model and reports its facts.
///
/// `mime` is what [`crate::sniff`] detected: `model/gltf-binary` (GLB), `model/gltf+json`
/// (glTF JSON whose buffers and images are embedded as `data:` URIs), `model/obj`,
/// `model/stl` (binary or ASCII), `model/x-ply` (ASCII or binary of either byte order) or
/// `model/3mf`. The counts follow [`ModelMetadata`]'s definitions:
/// - glTF: vertices are the POSITION accessor counts and triangles what each primitive's mode
///   draws (a list makes n/3, a strip or fan n − 2, points and lines none), summed over the
///   meshes (not per node that uses them), as the Khronos glTF-Validator counts; meshes,
///   materials and textures are the document's arrays; the generator is `asset.generator`.
///   Draco-compressed primitives (`KHR_draco_mesh_compression`) are counted from their
///   accessors, which describe the decompressed data.
/// - OBJ: vertices are the `v` statements, used by a face or not; triangles come from faces
///   after fan triangulation (an n-gon makes n − 2); meshes are the objects and groups with
///   faces; materials the distinct `usemtl` names (the `.mtl` library is never read).
/// - STL: three vertices per triangle (STL shares none), one mesh, no materials.
/// - PLY: vertices are the `vertex` element's count, used by a face or not; triangles come
///   from the `face` element's index lists after fan triangulation (an n-gon makes n − 2);
///   one mesh, or none for a point cloud (vertices without faces), which probes but has
///   nothing for [`render_preview`] to draw; no materials.
/// - 3MF: vertices and triangles are summed over the mesh objects, each counted once however
///   often components and build items place it (as glTF meshes are); meshes are the mesh
///   objects; materials the `<base>` entries of every `<basematerials>` group; the
///   generator is the model's `Application` metadata.
///
/// The bounding box is in model units over the drawn vertices, after glTF node transforms
/// (glTF 2.0 §3.5.3) place each mesh in the default scene, and after 3MF build item and
/// component transforms (3MF Core §3.3) place each object; a PLY's covers all its vertices,
/// since a point cloud's points are its geometry.
///
/// Errors: [`MediaError::Invalid`] naming what is wrong (a reference to a file that was not
/// uploaded, an index or byte range out of bounds, a non-finite coordinate, a parse error with
/// its line); [`MediaError::OverLimit`] over [`MAX_TRIANGLES`] or [`MAX_VERTICES`];
/// [`MediaError::Unsupported`] for any other `mime`.
pub fn probe(bytes: &[u8], mime: &str) -> Result<ModelMetadata, MediaError> {
    load(bytes, mime).map(|(metadata, _)| metadata)
}

/// A shaded preview from a three-quarter view, as PNG bytes (8-bit RGB) of `width` × `height`
/// pixels.
///
/// The model is validated exactly as by [`probe`], then drawn from 45° to the side and 30°
/// above, fitted to the image: flat Lambert shading, glTF base colours where a material gives
/// one without a texture, 3MF base materials' display colours, light grey otherwise, on a lighter grey background, anti-aliased by
/// rendering at twice the size. Draco-compressed glTF primitives (`KHR_draco_mesh_compression`)
/// are not decoded and are drawn as their declared bounding boxes. glTF, OBJ and PLY are drawn
/// +Y up (glTF 2.0 §3.4, "Coordinate System and Units"; the common OBJ convention; what
/// MeshLab shows for PLY), STL and 3MF +Z up (the 3D-printing convention; 3MF Core §3.1).
///
/// Errors: those of [`probe`]; [`MediaError::Invalid`] when the model has no triangles to draw
/// (a point cloud, an empty scene); [`MediaError::OverLimit`] when a side is 0 or over
/// [`MAX_PREVIEW_SIDE`].
pub fn render_preview(
    bytes: &[u8],
    mime: &str,
    width: u32,
    height: u32,
) -> Result<Vec<u8>, MediaError> {
    render::check_size(width, height)?;
    let (_, scene) = load(bytes, mime)?;
    render::render(&scene, width, height)
}

/// The model's geometry as binary glTF (GLB), for viewers that read only glTF (an OBJ, STL,
/// PLY or 3MF): its meshes, their colours and placement, Y up. Validated as by [`probe`].
///
/// Errors: those of [`probe`]; [`MediaError::OverLimit`] for a model too large for GLB.
pub fn to_glb(bytes: &[u8], mime: &str) -> Result<Vec<u8>, MediaError> {
    let (_, scene) = load(bytes, mime)?;
    export::glb(&scene)
}

fn load(bytes: &[u8], mime: &str) -> Result<(ModelMetadata, Scene), MediaError> {
    match mime {
        "model/gltf-binary" => gltf::load(bytes, gltf::Container::Glb),
        "model/gltf+json" => gltf::load(bytes, gltf::Container::Json),
        "model/obj" => obj::load(bytes),
        "model/stl" => stl::load(bytes),
        "model/x-ply" => ply::load(bytes),
        "model/3mf" => threemf::load(bytes),
        other => Err(MediaError::Unsupported {
            detected: other.to_owned(),
        }),
    }
}
