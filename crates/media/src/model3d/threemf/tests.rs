//! 3MF tests on packages built here: composition of component and build transforms, the
//! model part found through the relationships, refusals, and a rendered preview.

use std::io::Write;

use super::*;
use crate::model3d::render::drawn_pixels;

/// Names the model part in other letter case than its entry, as OPC allows.
const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
    <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
    <Relationship Id="r0" Target="/3D/3DModel.model"
        Type="http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"/>
    </Relationships>"#;

const TETRAHEDRON: &str = r#"<mesh><vertices>
    <vertex x="0" y="0" z="0"/><vertex x="10" y="0" z="0"/>
    <vertex x="0" y="10" z="0"/><vertex x="0" y="0" z="10"/></vertices><triangles>
    <triangle v1="0" v2="2" v3="1"/><triangle v1="0" v2="1" v3="3"/>
    <triangle v1="0" v2="3" v3="2"/><triangle v1="1" v2="2" v3="3"/></triangles></mesh>"#;

fn zip(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(data.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// A package whose model part holds `resources` and `build`.
fn package(resources: &str, build: &str) -> Vec<u8> {
    let model = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
        <model unit="millimeter" xml:lang="en-US" xmlns="{CORE}">
        <metadata name="Application"> Test Slicer 1.0 </metadata>
        <metadata name="Title">A test</metadata>
        <resources>{resources}</resources><build>{build}</build></model>"#
    );
    zip(&[("_rels/.rels", RELS), ("3D/3dmodel.model", &model)])
}

fn refusal(bytes: &[u8]) -> MediaError {
    load(bytes).map(|_| ()).unwrap_err()
}

/// Object 3 is two tetrahedra, the second moved 20 along x, and the build doubles it and
/// lifts it 5; the tetrahedron also stands alone, turned a quarter about z and moved to
/// x = −50. Object 4 is not in the build.
fn assembly() -> Vec<u8> {
    package(
        &format!(
            r##"<basematerials id="1"><base name="Red" displaycolor="#FF0000"/>
            <base name="Blue" displaycolor="#0000FFFF"/></basematerials>
            <object id="2" type="model" pid="1" pindex="1">{TETRAHEDRON}</object>
            <object id="3"><components><component objectid="2"/>
            <component objectid="2" transform="1 0 0 0 1 0 0 0 1 20 0 0"/></components>
            </object>
            <object id="4"><mesh><vertices><vertex x="100" y="100" z="100"/>
            <vertex x="101" y="100" z="100"/><vertex x="100" y="101" z="100"/></vertices>
            <triangles><triangle v1="0" v2="1" v3="2"/></triangles></mesh></object>"##
        ),
        r#"<item objectid="3" transform="2 0 0 0 2 0 0 0 2 0 0 5"/>
        <item objectid="2" transform="0 1 0 -1 0 0 0 0 1 -50 0 0"/>"#,
    )
}

#[test]
fn components_and_items_place_the_meshes() {
    let (facts, scene) = load(&assembly()).unwrap();
    // Each mesh object once, placed or not.
    assert_eq!((facts.vertex_count, facts.triangle_count), (7, 5));
    assert_eq!((facts.mesh_count, facts.material_count), (2, 2));
    assert_eq!(facts.generator.as_deref(), Some("Test Slicer 1.0"));
    // The component's move is doubled by the item (x to (20 + 10) × 2); the turned
    // tetrahedron spans x −60 to −50; object 4 is not drawn.
    let bounds = facts.bounding_box.unwrap();
    assert_eq!(
        (bounds.min, bounds.max),
        ([-60.0, 0.0, 0.0], [60.0, 20.0, 25.0])
    );
    assert_eq!(scene.instances.len(), 3);
    assert_eq!(scene.meshes[0].color, [0.0, 0.0, 1.0]);
    assert_eq!(scene.up, Up::Z);
}

#[test]
fn packages_without_a_model_part_are_refused() {
    let model_rels = RELS.replace("3dmanufacturing/2013/01/3dmodel", "other");
    for (bytes, needle) in [
        (zip(&[("_rels/.rels", RELS)]), "no such part"),
        (zip(&[("3D/3dmodel.model", "<model/>")]), "no _rels/.rels"),
        (zip(&[("_rels/.rels", &model_rels)]), "names no model part"),
        (zip(&[("_rels/.rels", "<Relationships>")]), "_rels/.rels"),
        (b"PK\x03\x04 not really".to_vec(), "not a valid zip"),
    ] {
        let err = refusal(&bytes);
        assert!(matches!(err, MediaError::Invalid(_)), "{err:?}");
        assert!(err.to_string().contains(needle), "{err}");
    }
}

#[test]
fn bad_references_and_numbers_are_refused_with_the_reason() {
    let tetrahedron = format!(r#"<object id="1">{TETRAHEDRON}</object>"#);
    let item = r#"<item objectid="1"/>"#;
    for (resources, build, needle) in [
        (
            tetrahedron.replace(r#"v3="3"/></triangles>"#, r#"v3="4"/></triangles>"#),
            item,
            "3MF object 1: triangle [1, 2, 4] has a vertex index out of range",
        ),
        (
            tetrahedron.replace(r#"v2="2""#, r#"v2="-2""#),
            item,
            "v2=Some(\"-2\")",
        ),
        (
            tetrahedron.replace(r#"x="10""#, r#"x="ten""#),
            item,
            "x=Some(\"ten\")",
        ),
        (
            tetrahedron.replace(r#"x="10""#, r#"x="1e39""#),
            item,
            "not finite",
        ),
        (
            tetrahedron.clone(),
            r#"<item objectid="7"/>"#,
            "object 7, which is not defined",
        ),
        (
            format!(
                r#"<object id="2"><components><component objectid="1"/></components></object>{tetrahedron}"#
            ),
            item,
            "a component refers to object 1, which is not defined before it",
        ),
        (
            tetrahedron.clone(),
            r#"<item objectid="1" transform="1 0 0 0 1 0 0 0 1 0 0"/>"#,
            "12 finite numbers",
        ),
        (
            format!("{tetrahedron}{tetrahedron}"),
            item,
            "object 1 twice",
        ),
        (tetrahedron.replace("</mesh>", ""), item, "3dmodel.model"),
    ] {
        let err = refusal(&package(&resources, build));
        assert!(matches!(err, MediaError::Invalid(_)), "{err:?}");
        assert!(err.to_string().contains(needle), "{err}");
    }
}

#[test]
fn nested_components_cannot_multiply_without_bound() {
    // Six levels of ten components place one triangle a million times.
    let mut resources = format!(r#"<object id="1">{TETRAHEDRON}</object>"#);
    for id in 2..=7 {
        let component = format!(r#"<component objectid="{}"/>"#, id - 1);
        let components = component.repeat(10);
        resources +=
            &format!(r#"<object id="{id}"><components>{components}</components></object>"#);
    }
    let err = refusal(&package(&resources, r#"<item objectid="7"/>"#));
    assert!(matches!(err, MediaError::OverLimit(_)), "{err:?}");
}

#[test]
fn previews_draw_the_build() {
    let png = crate::model3d::render_preview(&assembly(), "model/3mf", 80, 60).unwrap();
    assert!(drawn_pixels(&png, 80, 60) > 100);
    let glb = crate::model3d::to_glb(&assembly(), "model/3mf").unwrap();
    assert!(glb.starts_with(b"glTF"));
    let empty = package(&format!(r#"<object id="1">{TETRAHEDRON}</object>"#), "");
    let err = crate::model3d::render_preview(&empty, "model/3mf", 80, 60).unwrap_err();
    assert!(err.to_string().contains("no triangles"), "{err}");
}
