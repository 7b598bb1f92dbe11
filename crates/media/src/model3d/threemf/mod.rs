//! 3MF (3MF Consortium, *3MF Core Specification* 1.3,
//! <https://github.com/3MFConsortium/spec_core>): an Open Packaging Conventions zip whose 3D
//! model part holds meshes, components and the build.
//!
//! The package is opened with the bounds office files get (`document::office`: a limited
//! number of entries, parts that stop inflating at a bound), the model part is found through
//! the package relationships (§2.1), and it is walked once as a stream of XML events
//! (`document::xml`, which expands no DTD entities), so memory holds only the geometry kept.
//! §3.4 has producers define every resource before referencing it, which is checked as the
//! part is read; it is also why components cannot form a cycle. Extensions are not read:
//! their elements are skipped, objects in other model parts (the Production extension) are
//! reported as undefined, and only the core's base materials give colours.

use std::collections::HashMap;
use std::io::{BufReader, Cursor, Read, Seek};
use std::ops::ControlFlow;

use medialib_core::ModelMetadata;
use zip::ZipArchive;

use super::scene::{self, Instance, Mesh, NEUTRAL, Rgb, Scene, Transform, Up};
use crate::MediaError;
use crate::document::xml::{self, Element, Visit};
use crate::document::{MAX_FIELD_BYTES, free_text, office};

/// The package relationships' namespace (ECMA-376 part 2, Open Packaging Conventions).
const RELATIONSHIPS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
/// The relationship type that names the 3D model part (§2.1, Appendix C).
const MODEL_RELATIONSHIP: &str = "http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel";
/// The core namespace of the model part's elements (Appendix C).
const CORE: &str = "http://schemas.microsoft.com/3dmanufacturing/core/2015/02";

/// Most bytes `_rels/.rels` may inflate to; it names a handful of parts.
const MAX_RELATIONSHIPS_BYTES: u64 = 1024 * 1024;
/// Most bytes the model part may inflate to (1 GiB): 3MF XML takes about 75 bytes a
/// triangle, so a model at [`super::MAX_TRIANGLES`] fits, and a zip bomb stops here.
const MAX_MODEL_BYTES: u64 = 1024 * 1024 * 1024;
/// Most object placements the build may expand to, counting build items and components at
/// every level: components can share objects, so a few kilobytes of XML could otherwise
/// place a mesh billions of times. A build plate holds hundreds.
const MAX_PLACEMENTS: usize = 100_000;

/// Parses a 3MF into its facts and its build, drawn +Z up (§3.1: the build platform's
/// vertical).
///
/// Vertices and triangles are summed over the mesh objects, each counted once however often
/// components and build items place it (as glTF meshes are counted, not nodes); `mesh_count`
/// counts the mesh objects; `material_count` the `<base>` entries of every `<basematerials>`
/// group; `generator` is the model's `Application` metadata (Table 3-1). Only objects the
/// build places are drawn (§3.4.3), each with its items' and components' transforms (§3.3),
/// and the bounding box is theirs, in the model's `unit` (millimetres unless it says).
///
/// Errors: [`MediaError::Invalid`] for a damaged zip, a package without a model part, XML that
/// is not well-formed, a reference to an object not defined before it, a missing or
/// malformed number, a triangle index out of range; [`MediaError::OverLimit`] over
/// [`super::MAX_VERTICES`], [`super::MAX_TRIANGLES`] or [`MAX_PLACEMENTS`].
pub(super) fn load(bytes: &[u8]) -> Result<(ModelMetadata, Scene), MediaError> {
    let mut zip = office::open_zip(Cursor::new(bytes))?;
    let name = model_part(&mut zip)?;
    let Some(part) = office::part(&mut zip, &name, MAX_MODEL_BYTES)? else {
        return Err(MediaError::Invalid(format!(
            "the 3MF's relationships name /{name} as its model part, and the package has no \
             such part"
        )));
    };
    let mut reader = ModelReader::default();
    let mut failure = None;
    xml::walk(BufReader::new(part), |visit| match reader.visit(visit) {
        Ok(()) => ControlFlow::Continue(()),
        Err(e) => {
            failure = Some(e);
            ControlFlow::Break(())
        }
    })
    .map_err(|e| MediaError::Invalid(format!("{name}: {e}")))?;
    if let Some(e) = failure {
        return Err(e);
    }
    let model = reader.finish()?;
    let instances = model.placements()?;
    let mesh_count = u32::try_from(model.meshes.len()).unwrap_or(u32::MAX);
    let scene = Scene::new(model.meshes, instances, Up::Z)?;
    let metadata = ModelMetadata {
        format: "3mf".to_owned(),
        vertex_count: model.vertices,
        triangle_count: model.triangles,
        mesh_count,
        material_count: model.materials,
        texture_count: 0,
        bounding_box: scene.bounding_box(),
        generator: model.generator,
    };
    Ok((metadata, scene))
}

/// The zip entry name of the model part: the target of the package relationship of type
/// [`MODEL_RELATIONSHIP`] in `_rels/.rels` (§2.1), conventionally `3D/3dmodel.model`.
fn model_part<R: Read + Seek>(zip: &mut ZipArchive<R>) -> Result<String, MediaError> {
    let rels = "_rels/.rels";
    let Some(part) = office::part(zip, rels, MAX_RELATIONSHIPS_BYTES)? else {
        return Err(MediaError::Invalid(
            "the 3MF package has no _rels/.rels, which names its model part (3MF Core §2.1)".into(),
        ));
    };
    let mut target = None;
    xml::walk(BufReader::new(part), |visit| match visit {
        Visit::Open(element)
            if element.name.is(RELATIONSHIPS, "Relationship")
                && element.attribute("", "Type").as_deref() == Some(MODEL_RELATIONSHIP) =>
        {
            target = element.attribute("", "Target");
            ControlFlow::Break(())
        }
        _ => ControlFlow::Continue(()),
    })
    .map_err(|e| MediaError::Invalid(format!("{rels}: {e}")))?;
    let Some(target) = target else {
        return Err(MediaError::Invalid(format!(
            "the 3MF package's {rels} has no relationship of type {MODEL_RELATIONSHIP}, so it \
             names no model part"
        )));
    };
    // Package relationships resolve against the package root; part names compare without
    // regard to ASCII case (part-name equivalence in OPC, ECMA-376 part 2).
    let wanted = target.trim_start_matches('/');
    if zip.index_for_name(wanted).is_some() {
        return Ok(wanted.to_owned());
    }
    let other_case = zip
        .file_names()
        .flatten()
        .find(|name| name.eq_ignore_ascii_case(wanted));
    Ok(other_case.as_deref().unwrap_or(wanted).to_owned())
}

/// An object resource (§4): a mesh, components, or (though the schema allows only one) both.
struct Object {
    /// Index into [`Model::meshes`].
    mesh: Option<usize>,
    /// Other objects, each with the transform that places it in this one (§4.2).
    components: Vec<(u32, Transform)>,
}

/// The model part, read.
struct Model {
    objects: HashMap<u32, Object>,
    meshes: Vec<Mesh>,
    /// Build items: objects and their transforms (§3.4.3).
    items: Vec<(u32, Transform)>,
    vertices: u64,
    triangles: u64,
    materials: u32,
    generator: Option<String>,
}

impl Model {
    /// Every mesh the build places, expanded through components, with its world transform:
    /// a component's transform applies first, then its parent's, then the item's (§4.2.1).
    fn placements(&self) -> Result<Vec<Instance>, MediaError> {
        let mut instances = Vec::new();
        let mut stack: Vec<(u32, Transform)> = self.items.iter().rev().copied().collect();
        let mut placed = 0;
        while let Some((id, transform)) = stack.pop() {
            placed += 1;
            if placed > MAX_PLACEMENTS {
                return Err(MediaError::OverLimit(format!(
                    "the 3MF's build places more than {MAX_PLACEMENTS} objects, counting \
                     components; simplify or split it"
                )));
            }
            // Every id was checked to be defined when it was read.
            let Some(object) = self.objects.get(&id) else {
                continue;
            };
            if let Some(mesh) = object.mesh {
                instances.push(Instance { mesh, transform });
            }
            let children = object.components.iter().rev();
            stack.extend(children.map(|(child, local)| (*child, transform.then(local))));
        }
        Ok(instances)
    }
}

/// The object being read.
struct OpenObject {
    id: u32,
    color: Rgb,
    mesh: bool,
    positions: Vec<[f32; 3]>,
    triangles: Vec<[u32; 3]>,
    components: Vec<(u32, Transform)>,
}

/// The state of one pass over the model part's events.
#[derive(Default)]
struct ModelReader {
    /// How many elements are open, so that the model's own metadata is told apart from an
    /// object's.
    depth: usize,
    model: bool,
    objects: HashMap<u32, Object>,
    meshes: Vec<Mesh>,
    object: Option<OpenObject>,
    /// Base material groups by id, as display colours.
    base_materials: HashMap<u32, Vec<Rgb>>,
    /// The group being read.
    group: Option<(u32, Vec<Rgb>)>,
    items: Vec<(u32, Transform)>,
    vertices: u64,
    triangles: u64,
    materials: u32,
    /// The `Application` metadata's text.
    application: Option<String>,
    /// Whether the text being read is the `Application` metadata's.
    in_application: bool,
}

impl ModelReader {
    fn visit(&mut self, visit: Visit<'_>) -> Result<(), MediaError> {
        match visit {
            Visit::Open(element) => {
                self.depth += 1;
                if element.name.ns == CORE {
                    self.open(&element)?;
                }
            }
            Visit::Text(text) => {
                if self.in_application
                    && let Some(value) = &mut self.application
                    && value.len() <= MAX_FIELD_BYTES
                {
                    value.push_str(text);
                }
            }
            Visit::Close(name) => {
                self.depth = self.depth.saturating_sub(1);
                match (name.ns, name.local) {
                    (CORE, "object") => self.close_object()?,
                    (CORE, "metadata") => self.in_application = false,
                    (CORE, "basematerials") => {
                        if let Some((id, colors)) = self.group.take() {
                            self.base_materials.insert(id, colors);
                        }
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }

    fn open(&mut self, element: &Element<'_>) -> Result<(), MediaError> {
        match element.name.local {
            "model" => self.model = self.depth == 1,
            "metadata"
                if self.depth == 2
                    && element.attribute("", "name").as_deref() == Some("Application") =>
            {
                self.application = Some(String::new());
                self.in_application = true;
            }
            "object" => {
                let id = id(element, "id", "an object")?;
                let color = element
                    .attribute("", "pid")
                    .and_then(|pid| self.base_materials.get(&pid.trim().parse().ok()?))
                    .and_then(|group| {
                        let index = element.attribute("", "pindex");
                        let index: usize = index.as_deref().unwrap_or("0").trim().parse().ok()?;
                        group.get(index).copied()
                    })
                    .unwrap_or(NEUTRAL);
                self.object = Some(OpenObject {
                    id,
                    color,
                    mesh: false,
                    positions: Vec::new(),
                    triangles: Vec::new(),
                    components: Vec::new(),
                });
            }
            "mesh" => self.open_object("a <mesh>")?.mesh = true,
            "vertex" => {
                let [x, y, z] = ["x", "y", "z"].map(|axis| number(element, axis));
                let position = [x?, y?, z?];
                self.vertices += 1;
                scene::check_limits(self.vertices, self.triangles, "in the model part")?;
                self.open_object("a <vertex>")?.positions.push(position);
            }
            "triangle" => {
                let [v1, v2, v3] = ["v1", "v2", "v3"].map(|v| id(element, v, "a triangle"));
                let triangle = [v1?, v2?, v3?];
                self.triangles += 1;
                scene::check_limits(self.vertices, self.triangles, "in the model part")?;
                self.open_object("a <triangle>")?.triangles.push(triangle);
            }
            "component" => {
                let placed = self.reference(element, "a component")?;
                self.open_object("a <component>")?.components.push(placed);
            }
            "item" => {
                let placed = self.reference(element, "a build item")?;
                self.items.push(placed);
            }
            "basematerials" => self.group = Some((id(element, "id", "basematerials")?, vec![])),
            "base" => {
                let color = element.attribute("", "displaycolor");
                let color = color.as_deref().and_then(display_color).unwrap_or(NEUTRAL);
                if let Some((_, colors)) = &mut self.group {
                    colors.push(color);
                    self.materials = self.materials.saturating_add(1);
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The object being read, or an error saying that `what` stands outside one.
    fn open_object(&mut self, what: &str) -> Result<&mut OpenObject, MediaError> {
        self.object.as_mut().ok_or_else(|| {
            MediaError::Invalid(format!("the 3MF model part has {what} outside an <object>"))
        })
    }

    /// A component's or item's `objectid`, which must name an object defined before it, and
    /// its `transform` (the identity when absent).
    fn reference(&self, element: &Element<'_>, what: &str) -> Result<(u32, Transform), MediaError> {
        let object = id(element, "objectid", what)?;
        if !self.objects.contains_key(&object) {
            return Err(MediaError::Invalid(format!(
                "{what} refers to object {object}, which is not defined before it (3MF Core \
                 §3.4; objects in other model parts, from the Production extension, are not \
                 read)"
            )));
        }
        let transform = match element.attribute("", "transform") {
            Some(matrix) => transform(&matrix).ok_or_else(|| {
                MediaError::Invalid(format!(
                    "{what} placing object {object} has the transform \"{matrix}\"; a transform \
                     is 12 finite numbers (3MF Core §3.3)"
                ))
            })?,
            None => Transform::IDENTITY,
        };
        Ok((object, transform))
    }

    fn close_object(&mut self) -> Result<(), MediaError> {
        let Some(open) = self.object.take() else {
            return Ok(());
        };
        let mesh = if open.mesh {
            let what = format!("3MF object {}", open.id);
            let mesh = Mesh::new(&what, open.positions, open.triangles, open.color)?;
            self.meshes.push(mesh);
            Some(self.meshes.len() - 1)
        } else {
            None
        };
        let object = Object {
            mesh,
            components: open.components,
        };
        if self.objects.insert(open.id, object).is_some() {
            return Err(MediaError::Invalid(format!(
                "the 3MF defines object {} twice; resource ids must be unique (3MF Core §3.4.2)",
                open.id
            )));
        }
        Ok(())
    }

    fn finish(self) -> Result<Model, MediaError> {
        if !self.model {
            return Err(MediaError::Invalid(format!(
                "the 3MF model part's root is not a <model> in the 3MF core namespace {CORE}"
            )));
        }
        Ok(Model {
            objects: self.objects,
            meshes: self.meshes,
            items: self.items,
            vertices: self.vertices,
            triangles: self.triangles,
            materials: self.materials,
            generator: self.application.as_deref().and_then(free_text),
        })
    }
}

/// A required non-negative integer attribute: a resource id or a vertex index.
fn id(element: &Element<'_>, name: &str, what: &str) -> Result<u32, MediaError> {
    let value = element.attribute("", name);
    value
        .as_deref()
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| {
            MediaError::Invalid(format!(
                "{what} in the 3MF model part has {name}={value:?}; a non-negative integer is \
                 required"
            ))
        })
}

/// A required coordinate; non-finite values are refused with the mesh (`Mesh::new`).
fn number(element: &Element<'_>, name: &str) -> Result<f32, MediaError> {
    let value = element.attribute("", name);
    value
        .as_deref()
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| {
            MediaError::Invalid(format!(
                "a vertex in the 3MF model part has {name}={value:?}; a number is required"
            ))
        })
}

/// A §3.3 matrix, "m00 m01 m02 m10 m11 m12 m20 m21 m22 m30 m31 m32", applied to row vectors
/// (`[x y z 1] × M`): each row of three is one column of the column-vector form
/// [`Transform`] holds, the last one the translation.
fn transform(matrix: &str) -> Option<Transform> {
    let numbers: Vec<f32> = matrix
        .split_whitespace()
        .map(|n| n.parse().ok())
        .collect::<Option<_>>()?;
    let m: [f32; 12] = numbers.try_into().ok()?;
    Transform::from_columns([
        [m[0], m[1], m[2], 0.0],
        [m[3], m[4], m[5], 0.0],
        [m[6], m[7], m[8], 0.0],
        [m[9], m[10], m[11], 1.0],
    ])
}

/// A `displaycolor` ("#RRGGBB" or "#RRGGBBAA", sRGB, §5.1.1) as linear RGB; alpha is
/// dropped, since the preview draws every surface opaque.
fn display_color(value: &str) -> Option<Rgb> {
    let hex = value.trim().strip_prefix('#')?;
    if !matches!(hex.len(), 6 | 8) || !hex.is_ascii() {
        return None;
    }
    let channel = |at: usize| u8::from_str_radix(&hex[at..at + 2], 16).ok();
    let to_linear = |c: u8| {
        let c = f32::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    Some([channel(0)?, channel(2)?, channel(4)?].map(to_linear))
}

#[cfg(test)]
mod tests;
