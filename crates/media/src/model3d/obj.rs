//! Wavefront OBJ (the *Advanced Visualizer* manual, appendix B1, "Object Files"), read with
//! `tobj`. Material libraries (`mtllib`) are never opened: an OBJ is accepted without its
//! `.mtl`, and drawn in the neutral colour.

use std::collections::BTreeSet;

use medialib_core::ModelMetadata;

use super::scene::{self, Instance, Mesh, NEUTRAL, Scene, Transform, Up};
use crate::MediaError;

/// What a pass over the text learns that `tobj` does not report.
struct Facts {
    /// `v` statements.
    vertices: u64,
    /// Distinct `usemtl` names.
    materials: BTreeSet<String>,
}

/// Parses an OBJ into its facts and one mesh per object or group.
///
/// `vertex_count` is the number of `v` statements (the file's vertex list, whether or not a
/// face uses them); `triangle_count` counts faces after fan triangulation (an n-gon makes
/// n − 2 triangles); points and lines are not drawn and not counted; `mesh_count` counts the
/// objects and groups (`o`, `g`) that hold faces; `material_count` the distinct `usemtl` names.
pub(super) fn load(bytes: &[u8]) -> Result<(ModelMetadata, Scene), MediaError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| MediaError::Invalid(format!("the OBJ file is not UTF-8 text: {e}")))?;
    let facts = scan(text)?;
    let options = tobj::LoadOptions {
        triangulate: true,
        ignore_points: true,
        ignore_lines: true,
        ..Default::default()
    };
    let (models, _) = tobj::load_obj_buf(&mut text.as_bytes(), &options, |_| {
        Err(tobj::LoadError::OpenFileFailed)
    })
    .map_err(|e| MediaError::Invalid(format!("OBJ: {e}")))?;
    let mut meshes = Vec::new();
    for model in models.into_iter().filter(|m| !m.mesh.indices.is_empty()) {
        let positions = model
            .mesh
            .positions
            .chunks_exact(3)
            .map(|p| [p[0], p[1], p[2]])
            .collect();
        let triangles = model
            .mesh
            .indices
            .chunks_exact(3)
            .map(|t| [t[0], t[1], t[2]])
            .collect();
        let what = format!("object \"{}\"", model.name);
        meshes.push(Mesh::new(&what, positions, triangles, NEUTRAL)?);
    }
    let triangle_count = meshes.iter().map(|m| m.triangles.len() as u64).sum();
    scene::check_limits(facts.vertices, triangle_count, "in the file")?;
    let instances = (0..meshes.len())
        .map(|mesh| Instance {
            mesh,
            transform: Transform::IDENTITY,
        })
        .collect();
    let mesh_count = u32::try_from(meshes.len()).unwrap_or(u32::MAX);
    let scene = Scene::new(meshes, instances, Up::Y)?;
    let metadata = ModelMetadata {
        format: "obj".to_owned(),
        vertex_count: facts.vertices,
        triangle_count,
        mesh_count,
        material_count: u32::try_from(facts.materials.len()).unwrap_or(u32::MAX),
        texture_count: 0,
        bounding_box: scene.bounding_box(),
        generator: None,
    };
    Ok((metadata, scene))
}

/// Counts `v` statements and `usemtl` names, and checks every face and line reference
/// against the vertices, texture coordinates and normals defined before it: `tobj` computes
/// some out-of-range references with arithmetic that overflows.
fn scan(text: &str) -> Result<Facts, MediaError> {
    let mut defined = [0u64; 3];
    let mut materials = BTreeSet::new();
    for (number, line) in text.lines().enumerate() {
        let mut words = line.split_whitespace();
        match words.next() {
            Some("v") => defined[0] += 1,
            Some("vt") => defined[1] += 1,
            Some("vn") => defined[2] += 1,
            Some("usemtl") => {
                let name = line.trim_start().trim_start_matches("usemtl").trim();
                if !name.is_empty() {
                    materials.insert(name.to_owned());
                }
            }
            Some("f" | "l") => {
                for reference in words {
                    check_reference(reference, defined).map_err(|why| {
                        MediaError::Invalid(format!("OBJ line {}: {why}", number + 1))
                    })?;
                }
            }
            _ => {}
        }
    }
    Ok(Facts {
        vertices: defined[0],
        materials,
    })
}

/// Checks one `v`, `v/vt`, `v//vn` or `v/vt/vn` reference: 1-based, or negative counting back
/// from the last definition.
fn check_reference(reference: &str, defined: [u64; 3]) -> Result<(), String> {
    let parts: Vec<&str> = reference.split('/').collect();
    if parts.len() > 3 || parts.first().is_none_or(|v| v.is_empty()) {
        return Err(format!(
            "\"{reference}\" is not a vertex reference (v, v/vt, v//vn or v/vt/vn)"
        ));
    }
    let kinds = ["vertices", "texture coordinates", "normals"];
    for ((part, count), kind) in parts.iter().zip(defined).zip(kinds) {
        if part.is_empty() {
            continue;
        }
        let index: i64 = part
            .parse()
            .map_err(|_| format!("\"{reference}\" is not a vertex reference"))?;
        if index == 0 || index.unsigned_abs() > count {
            return Err(format!(
                "\"{reference}\" refers to {kind} {index}, which is out of range: {count} \
                 {kind} are defined before this line"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quads_are_fan_triangulated_and_mtl_libraries_ignored() {
        let obj = b"mtllib missing.mtl\no quad\nv 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nv 9 9 9\n\
                    usemtl a\nf 1 2 3 4\nusemtl b\nf -5 -4 -3\nusemtl a\nl 1 2\n";
        let (facts, scene) = load(obj).unwrap();
        assert_eq!(facts.vertex_count, 5);
        assert_eq!(facts.triangle_count, 3);
        assert_eq!((facts.mesh_count, facts.material_count), (1, 2));
        // The unused vertex (9, 9, 9) is no part of the drawn bounds.
        assert_eq!(facts.bounding_box.unwrap().max, [1.0, 1.0, 0.0]);
        assert_eq!(scene.meshes[0].triangles.len(), 3);
    }

    #[test]
    fn references_out_of_range_are_refused_with_their_line() {
        for (obj, needle) in [
            (&b"v 0 0 0\nf 1 2 1\n"[..], "line 2"),
            (b"v 0 0 0\nf 1/1 1/1 1/1\n", "texture coordinates 1"),
            (b"v 0 0 0\nf 1//-2 1 1\n", "normals -2"),
            (b"v 0 0 0\nf 0 1 1\n", "out of range"),
            (b"v 0 0 0\nf 1/1/1/1 1 1\n", "not a vertex reference"),
            (b"v 0 0 0\nf 1/0x/1 1 1\n", "not a vertex reference"),
        ] {
            let err = load(obj).map(|_| ()).unwrap_err();
            assert!(err.to_string().contains(needle), "{err}");
        }
        let err = load(b"v 0 nan 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n")
            .map(|_| ())
            .unwrap_err();
        assert!(err.to_string().contains("not finite"), "{err}");
        assert!(load(b"v 0 0 0\nf 1 1 1\n\xFF").is_err());
    }
}
