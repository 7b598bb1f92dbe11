//! PLY (Greg Turk's Polygon File Format, as Paul Bourke documents it,
//! <https://paulbourke.net/dataformats/ply/>): ASCII, binary little-endian and binary
//! big-endian, read with `ply-rs-bw`.
//!
//! The crate parses the header and then one element at a time, so nothing is allocated from
//! the header's counts before they are checked against the limits here, and memory holds only
//! the positions and triangles kept. Of the payload only the `vertex` element's `x`, `y`, `z`
//! and the `face` element's `vertex_indices` (or `vertex_index`) lists are kept; every other
//! element and property is read past. Per-vertex colours are not drawn: a [`Mesh`] has one
//! colour, and the mean of a scan's colours is a muddy stand-in for them.

use std::io::{BufRead, Cursor};

use medialib_core::ModelMetadata;
use ply_rs_bw::parser::{Parser, Reader};
use ply_rs_bw::ply::{
    ElementDef, Encoding, Header, PropertyAccess, PropertyAccessResult, PropertyType, ScalarType,
};

use super::scene::{self, Mesh, NEUTRAL, Scene, Up};
use crate::MediaError;

/// The names exporters give the face element's index list: `vertex_indices` (Turk's
/// original, MeshLab, Blender) and `vertex_index` (some scanners and older tools).
const INDEX_LISTS: [&str; 2] = ["vertex_indices", "vertex_index"];

/// Parses a PLY into its facts and one mesh, drawn +Y up.
///
/// `vertex_count` is the `vertex` element's count; `triangle_count` counts faces after fan
/// triangulation (an n-gon makes n − 2; a face of fewer than three corners makes none);
/// `mesh_count` is 1, or 0 for a point cloud (vertices and no faces), which is accepted but
/// has nothing for [`super::render_preview`] to draw. The bounding box covers every vertex,
/// since a point cloud's points are its geometry. PLY names no up axis: +Y is what MeshLab
/// shows and what the Stanford scans, which made the format common, were written with
/// (Blender converts no axes on import, so those scans lie on their backs there).
///
/// Errors: [`MediaError::Invalid`] for a header or payload the crate cannot parse, a file
/// shorter than its header declares, a missing `vertex` element or coordinate, a face index
/// that is negative or not below the vertex count, a non-finite coordinate;
/// [`MediaError::OverLimit`] when the header declares more vertices or faces than
/// [`super::MAX_VERTICES`] or [`super::MAX_TRIANGLES`], or the faces make more triangles.
pub(super) fn load(bytes: &[u8]) -> Result<(ModelMetadata, Scene), MediaError> {
    let mut reader = Reader::new(Cursor::new(bytes));
    let header = Parser::<Skipped>::new()
        .read_header(&mut reader)
        .map_err(|e| MediaError::Invalid(format!("PLY header: {}", one_line(e))))?;
    let mut body = reader.into_inner();
    let vertex_count = check_header(&header, remaining(&body))? as u64;
    let mut positions = Vec::with_capacity(capacity(&header, "vertex", &body));
    let mut triangles = Vec::with_capacity(capacity(&header, "face", &body));
    for element in header.elements.values() {
        match element.name.as_str() {
            "vertex" => read_each(&mut body, header.encoding, element, |_, v: Vertex| {
                positions.push(v.0);
                Ok(())
            })?,
            "face" => read_each(&mut body, header.encoding, element, |i, face: Face| {
                fan(&face.indices, vertex_count, &mut triangles)
                    .map_err(|why| MediaError::Invalid(format!("PLY face {i}: {why}")))?;
                scene::check_limits(vertex_count, triangles.len() as u64, "in the file")
            })?,
            _ => read_each(&mut body, header.encoding, element, |_, Skipped| Ok(()))?,
        }
    }
    let triangle_count = triangles.len() as u64;
    let mesh_count = u32::from(triangle_count > 0);
    let mesh = Mesh::new("the PLY", positions, triangles, NEUTRAL)?;
    let scene = Scene::single(mesh, Up::Y)?;
    let metadata = ModelMetadata {
        format: "ply".to_owned(),
        vertex_count,
        triangle_count,
        mesh_count,
        material_count: 0,
        texture_count: 0,
        bounding_box: scene.bounding_box(),
        generator: None,
    };
    Ok((metadata, scene))
}

/// Checks, before any of the payload is read, that the header declares what a mesh needs (a
/// `vertex` element with scalar `x`, `y`, `z`; an integer index list on any `face` element),
/// that its counts are within the limits, and that a binary file is at least as long as its
/// elements' smallest size. Returns the vertex count.
fn check_header(header: &Header, body_bytes: u64) -> Result<usize, MediaError> {
    let Some(vertex) = header.elements.get("vertex") else {
        return Err(MediaError::Invalid(
            "the PLY has no vertex element, so there is nothing to show".into(),
        ));
    };
    if vertex.count == 0 {
        return Err(MediaError::Invalid(
            "the PLY declares 0 vertices, so there is nothing to show".into(),
        ));
    }
    for axis in ["x", "y", "z"] {
        let scalar = vertex
            .properties
            .get(axis)
            .is_some_and(|p| matches!(p.data_type, PropertyType::Scalar(_)));
        if !scalar {
            return Err(MediaError::Invalid(format!(
                "the PLY's vertex element has no number property \"{axis}\"; positions \
                 are read from x, y and z"
            )));
        }
    }
    let faces = match header.elements.get("face") {
        Some(face) if face.count > 0 => {
            check_index_list(face)?;
            face.count
        }
        _ => 0,
    };
    // A face with three or more corners makes at least one triangle.
    scene::check_limits(
        vertex.count as u64,
        faces as u64,
        "as the PLY header declares (faces counted as one triangle each)",
    )?;
    if header.encoding != Encoding::Ascii {
        let needed = header.elements.values().fold(0u64, |sum, element| {
            let size = min_bytes(element, header.encoding);
            sum.saturating_add((element.count as u64).saturating_mul(size))
        });
        if needed > body_bytes {
            return Err(MediaError::Invalid(format!(
                "the PLY is truncated: its header declares at least {needed} bytes of \
                 binary data, and {body_bytes} follow it"
            )));
        }
    }
    Ok(vertex.count)
}

/// How many of element `name` to make room for: its count, but no more than the rest of
/// the file can hold, so a short file that declares many elements allocates little.
fn capacity(header: &Header, name: &str, body: &Cursor<&[u8]>) -> usize {
    header.elements.get(name).map_or(0, |element| {
        let size = min_bytes(element, header.encoding).max(1);
        let fits = usize::try_from(remaining(body) / size).unwrap_or(usize::MAX);
        element.count.min(fits)
    })
}

/// Refuses a face element without an integer list of vertex indices.
fn check_index_list(face: &ElementDef) -> Result<(), MediaError> {
    let list = INDEX_LISTS
        .iter()
        .find_map(|name| face.properties.get(*name));
    match list.map(|p| &p.data_type) {
        Some(PropertyType::List(_, item))
            if !matches!(item, ScalarType::Float | ScalarType::Double) =>
        {
            Ok(())
        }
        _ => Err(MediaError::Invalid(
            "the PLY's face element has no integer list \"vertex_indices\" (or \
             \"vertex_index\"), so its faces cannot be read"
                .into(),
        )),
    }
}

/// The fewest bytes one element can take: the sizes of its scalars in binary (a list at
/// least its count), a digit and a separator per property in ASCII.
fn min_bytes(element: &ElementDef, encoding: Encoding) -> u64 {
    element
        .properties
        .values()
        .map(|property| match (encoding, &property.data_type) {
            (Encoding::Ascii, _) => 2,
            (_, PropertyType::Scalar(scalar) | PropertyType::List(scalar, _)) => match scalar {
                ScalarType::Char | ScalarType::UChar => 1,
                ScalarType::Short | ScalarType::UShort => 2,
                ScalarType::Int | ScalarType::UInt | ScalarType::Float => 4,
                ScalarType::Double => 8,
            },
        })
        .sum()
}

fn remaining(body: &Cursor<&[u8]>) -> u64 {
    (body.get_ref().len() as u64).saturating_sub(body.position())
}

/// Reads every instance of `element` and hands each, with its index, to `each`.
fn read_each<E: PropertyAccess>(
    body: &mut Cursor<&[u8]>,
    encoding: Encoding,
    element: &ElementDef,
    mut each: impl FnMut(usize, E) -> Result<(), MediaError>,
) -> Result<(), MediaError> {
    // In binary an element without properties takes no bytes, and looping over a count of
    // billions of nothing would only spend time.
    if element.properties.is_empty() && encoding != Encoding::Ascii {
        return Ok(());
    }
    let name = &element.name;
    let parser = Parser::<E>::new();
    let mut line = String::new();
    for i in 0..element.count {
        let read = match encoding {
            Encoding::Ascii => {
                line.clear();
                match body.read_line(&mut line) {
                    Ok(0) => Err(format!(
                        "the file ends before it; the header declares {} of them",
                        element.count
                    )),
                    Ok(_) => parser.read_ascii_element(&line, element).map_err(one_line),
                    Err(e) => Err(one_line(e)),
                }
            }
            Encoding::BinaryLittleEndian => parser
                .read_little_endian_element(body, element)
                .map_err(one_line),
            Encoding::BinaryBigEndian => parser
                .read_big_endian_element(body, element)
                .map_err(one_line),
        };
        let value = read.map_err(|why| MediaError::Invalid(format!("PLY {name} {i}: {why}")))?;
        each(i, value)?;
    }
    Ok(())
}

/// The crate's message on one line: it quotes the offending line with its newline and
/// indents its parts with tabs.
fn one_line(error: impl std::fmt::Display) -> String {
    error
        .to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Adds a polygon's triangles as a fan from its first corner (an n-gon makes n − 2, exact
/// for the convex polygons exporters write), checking each index against the `vertices`
/// the header declares.
fn fan(indices: &[i64], vertices: u64, triangles: &mut Vec<[u32; 3]>) -> Result<(), String> {
    let corner = |index: i64| {
        u32::try_from(index)
            .ok()
            .filter(|&v| u64::from(v) < vertices)
            .ok_or_else(|| {
                format!("vertex index {index} is out of range; the file has {vertices} vertices")
            })
    };
    if let [first, rest @ ..] = indices {
        let first = corner(*first)?;
        for pair in rest.windows(2) {
            triangles.push([first, corner(pair[0])?, corner(pair[1])?]);
        }
    }
    Ok(())
}

/// A vertex's position; every other vertex property is ignored.
#[derive(Default)]
struct Vertex([f32; 3]);

impl Vertex {
    fn set(&mut self, name: &str, value: f64) -> PropertyAccessResult {
        let axis = match name {
            "x" => 0,
            "y" => 1,
            "z" => 2,
            _ => return PropertyAccessResult::Ignored,
        };
        // Out of f32's range becomes infinite, which `Mesh::new` refuses.
        self.0[axis] = value as f32;
        PropertyAccessResult::Set
    }
}

impl PropertyAccess for Vertex {
    fn new() -> Self {
        Self::default()
    }
    fn set_char(&mut self, name: &str, value: i8) -> PropertyAccessResult {
        self.set(name, value.into())
    }
    fn set_uchar(&mut self, name: &str, value: u8) -> PropertyAccessResult {
        self.set(name, value.into())
    }
    fn set_short(&mut self, name: &str, value: i16) -> PropertyAccessResult {
        self.set(name, value.into())
    }
    fn set_ushort(&mut self, name: &str, value: u16) -> PropertyAccessResult {
        self.set(name, value.into())
    }
    fn set_int(&mut self, name: &str, value: i32) -> PropertyAccessResult {
        self.set(name, value.into())
    }
    fn set_uint(&mut self, name: &str, value: u32) -> PropertyAccessResult {
        self.set(name, value.into())
    }
    fn set_float(&mut self, name: &str, value: f32) -> PropertyAccessResult {
        self.set(name, value.into())
    }
    fn set_double(&mut self, name: &str, value: f64) -> PropertyAccessResult {
        self.set(name, value)
    }
}

/// A face's corners, as signed numbers so that a negative index can be named in the error.
#[derive(Default)]
struct Face {
    indices: Vec<i64>,
}

impl Face {
    fn set<T: Into<i64>>(&mut self, name: &str, list: Vec<T>) -> PropertyAccessResult {
        if !INDEX_LISTS.contains(&name) {
            return PropertyAccessResult::Ignored;
        }
        self.indices = list.into_iter().map(Into::into).collect();
        PropertyAccessResult::Set
    }
}

impl PropertyAccess for Face {
    fn new() -> Self {
        Self::default()
    }
    fn set_list_char(&mut self, name: &str, list: Vec<i8>) -> PropertyAccessResult {
        self.set(name, list)
    }
    fn set_list_uchar(&mut self, name: &str, list: Vec<u8>) -> PropertyAccessResult {
        self.set(name, list)
    }
    fn set_list_short(&mut self, name: &str, list: Vec<i16>) -> PropertyAccessResult {
        self.set(name, list)
    }
    fn set_list_ushort(&mut self, name: &str, list: Vec<u16>) -> PropertyAccessResult {
        self.set(name, list)
    }
    fn set_list_int(&mut self, name: &str, list: Vec<i32>) -> PropertyAccessResult {
        self.set(name, list)
    }
    fn set_list_uint(&mut self, name: &str, list: Vec<u32>) -> PropertyAccessResult {
        self.set(name, list)
    }
}

/// An element this module does not use: read past, nothing kept.
struct Skipped;

impl PropertyAccess for Skipped {
    fn new() -> Self {
        Self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model3d::render::drawn_pixels;

    fn facts(ply: &[u8]) -> ModelMetadata {
        load(ply).map(|(facts, _)| facts).unwrap()
    }

    fn refusal(ply: &[u8]) -> MediaError {
        load(ply).map(|_| ()).unwrap_err()
    }

    /// A quad and a pentagon, an unused vertex, comments, an unknown element and unknown
    /// vertex properties, some of them lists.
    const ASCII: &[u8] = b"ply\nformat ascii 1.0\ncomment made by hand\nobj_info scanner 1\n\
        element vertex 6\nproperty float x\nproperty float y\nproperty float z\n\
        property uchar red\nproperty list uchar float weights\n\
        element material 2\nproperty list uchar int ids\nproperty float shine\n\
        element face 2\nproperty uchar flags\nproperty list uchar int vertex_indices\n\
        end_header\n\
        0 0 0 255 0\n1 0 0 255 2 0.5 0.5\n1 1 0 255 0\n0 1 0 255 0\n0.5 2 0 255 0\n\
        9 9 -1 0 1 7\n\
        2 1 2 0.5\n0 0.25\n\
        0 4 0 1 2 3\n1 5 0 1 2 3 4\n";

    #[test]
    fn ascii_polygons_are_fan_triangulated_and_the_rest_skipped() {
        let facts = facts(ASCII);
        assert_eq!((facts.vertex_count, facts.triangle_count), (6, 5));
        assert_eq!((facts.mesh_count, facts.material_count), (1, 0));
        let bounds = facts.bounding_box.unwrap();
        assert_eq!(
            (bounds.min, bounds.max),
            ([0.0, 0.0, -1.0], [9.0, 9.0, 0.0])
        );
        let (_, scene) = load(ASCII).unwrap();
        assert_eq!(
            scene.meshes[0].triangles[2..],
            [[0, 1, 2], [0, 2, 3], [0, 3, 4]]
        );
    }

    /// A vertex of each coordinate type, a list among the vertex properties, an unknown
    /// element of lists, a quad and a triangle, and a property-less element declared a
    /// trillion times (which takes no bytes).
    fn binary(big_endian: bool) -> Vec<u8> {
        let order = if big_endian { "big" } else { "little" };
        let mut ply = format!(
            "ply\nformat binary_{order}_endian 1.0\nelement vertex 4\nproperty float32 x\n\
             property float64 y\nproperty int16 z\nproperty list uint8 float32 uv\n\
             element edge 1\nproperty list int32 int32 vertex_pair\n\
             element face 2\nproperty list uchar uint vertex_indices\n\
             element nothing 1000000000000\nend_header\n"
        )
        .into_bytes();
        let mut put = |bytes: &[u8]| {
            let mut bytes = bytes.to_vec();
            if !big_endian {
                bytes.reverse();
            }
            ply.extend_from_slice(&bytes);
        };
        for (x, y, z) in [
            (0.0f32, 0.0f64, 0i16),
            (2.0, 0.0, 0),
            (2.0, 3.0, 0),
            (0.0, 3.0, -4),
        ] {
            put(&x.to_be_bytes());
            put(&y.to_be_bytes());
            put(&z.to_be_bytes());
            put(&[1]);
            put(&0.5f32.to_be_bytes());
        }
        for value in [2, 0, 1] {
            put(&i32::to_be_bytes(value));
        }
        put(&[4]);
        for index in [0u32, 1, 2, 3] {
            put(&index.to_be_bytes());
        }
        put(&[3]);
        for index in [0u32, 1, 3] {
            put(&index.to_be_bytes());
        }
        ply
    }

    #[test]
    fn binary_in_both_byte_orders() {
        for big_endian in [false, true] {
            let facts = facts(&binary(big_endian));
            assert_eq!((facts.vertex_count, facts.triangle_count), (4, 3));
            let bounds = facts.bounding_box.unwrap();
            assert_eq!(
                (bounds.min, bounds.max),
                ([0.0, 0.0, -4.0], [2.0, 3.0, 0.0])
            );
        }
    }

    #[test]
    fn truncated_binary_is_refused() {
        let whole = binary(false);
        // Short of the last index: the crate runs out of bytes inside the list.
        let err = refusal(&whole[..whole.len() - 1]);
        assert!(matches!(err, MediaError::Invalid(_)) && err.to_string().contains("face 1"));
        // Short of the header's smallest size: refused before reading.
        let end = whole
            .windows(11)
            .position(|w| w == b"end_header\n")
            .unwrap()
            + 11;
        let err = refusal(&whole[..end + 20]);
        assert!(err.to_string().contains("truncated"), "{err}");
    }

    const TRIANGLE: &str = "0 0 0\n1 0 0\n0 1 0\n";

    /// An ASCII PLY declaring `declared` vertices, with these vertex and face lines.
    fn ascii(declared: usize, vertices: &str, faces: &str) -> Vec<u8> {
        let faces_declared = faces.lines().count();
        format!(
            "ply\nformat ascii 1.0\nelement vertex {declared}\nproperty float x\n\
             property float y\nproperty float z\nelement face {faces_declared}\n\
             property list uchar int vertex_indices\nend_header\n{vertices}{faces}"
        )
        .into_bytes()
    }

    #[test]
    fn bad_indices_and_headers_are_refused_with_the_reason() {
        for (ply, needle) in [
            (
                ascii(3, TRIANGLE, "3 0 1 3\n"),
                "face 0: vertex index 3 is out of range",
            ),
            (
                ascii(3, TRIANGLE, "3 0 1 2\n3 0 -1 2\n"),
                "face 1: vertex index -1",
            ),
            (ascii(3, TRIANGLE, "3 0 1\n"), "PLY face 0"),
            (
                ascii(3, "0 0 0\n1 1e39 0\n0 1 0\n", "3 0 1 2\n"),
                "not finite",
            ),
            (
                ascii(4, TRIANGLE, ""),
                "PLY vertex 3: the file ends before it",
            ),
            (
                b"ply\nelement vertex 1\nend_header\n".to_vec(),
                "PLY header",
            ),
            (
                b"ply\nformat ascii 1.0\nend_header\n".to_vec(),
                "no vertex element",
            ),
            (
                b"ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nend_header\n1\n"
                    .to_vec(),
                "\"y\"",
            ),
            (
                b"ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\n\
                  property float z\nelement face 1\nproperty list uchar float vertex_indices\n\
                  end_header\n0 0 0\n3 0 0 0\n"
                    .to_vec(),
                "integer list",
            ),
        ] {
            let err = refusal(&ply);
            assert!(matches!(err, MediaError::Invalid(_)), "{err:?}");
            assert!(err.to_string().contains(needle), "{err}");
        }
    }

    #[test]
    fn counts_over_the_limits_are_refused_from_the_header() {
        // The files are a few bytes: a refusal that allocated by the declared counts first
        // would take gigabytes.
        for declared in [
            "element vertex 20000000\nproperty float x\nproperty float y\nproperty float z\n",
            "element vertex 3\nproperty float x\nproperty float y\nproperty float z\n\
             element face 4000000000\nproperty list uchar int vertex_indices\n",
        ] {
            let ply = format!("ply\nformat binary_little_endian 1.0\n{declared}end_header\n");
            let err = refusal(ply.as_bytes());
            assert!(matches!(err, MediaError::OverLimit(_)), "{err:?}");
        }
        let exactly_the_limit = "ply\nformat binary_big_endian 1.0\nelement vertex 10000000\n\
            property double x\nproperty double y\nproperty double z\nend_header\n";
        let err = refusal(exactly_the_limit.as_bytes());
        assert!(err.to_string().contains("truncated"), "{err}");
    }

    #[test]
    fn a_point_cloud_probes_but_has_nothing_to_render() {
        let cloud = ascii(3, TRIANGLE, "");
        let facts = facts(&cloud);
        assert_eq!(
            (facts.vertex_count, facts.triangle_count, facts.mesh_count),
            (3, 0, 0)
        );
        let err = crate::model3d::render_preview(&cloud, "model/x-ply", 32, 32).unwrap_err();
        assert!(err.to_string().contains("no triangles"), "{err}");
    }

    #[test]
    fn previews_draw_the_mesh() {
        let png = crate::model3d::render_preview(&binary(true), "model/x-ply", 64, 48).unwrap();
        assert!(drawn_pixels(&png, 64, 48) > 100);
        let glb = crate::model3d::to_glb(&binary(true), "model/x-ply").unwrap();
        assert!(glb.starts_with(b"glTF"));
    }
}
