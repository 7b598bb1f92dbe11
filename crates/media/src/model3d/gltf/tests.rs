//! Hand-made glTF documents for the rules the corpus does not exercise.

use base64::Engine;
use serde_json::{Value, json};

use super::{Container, assemble, load};
use gltf::mesh::Mode;

/// A `.gltf` with one buffer, embedded as a `data:` URI, holding `floats` then `indices`.
fn document(floats: &[f32], indices: &[u16], mut gltf: Value) -> Vec<u8> {
    let mut bytes: Vec<u8> = floats.iter().flat_map(|f| f.to_le_bytes()).collect();
    bytes.extend(indices.iter().flat_map(|i| i.to_le_bytes()));
    let data = base64::engine::general_purpose::STANDARD.encode(&bytes);
    gltf["asset"] = json!({"version": "2.0"});
    gltf["buffers"] = json!([{
        "byteLength": bytes.len(),
        "uri": format!("data:application/octet-stream;base64,{data}"),
    }]);
    serde_json::to_vec(&gltf).unwrap()
}

const SQUARE: [f32; 12] = [0., 0., 0., 1., 0., 0., 0., 1., 0., 1., 1., 0.];

/// A mesh of the four SQUARE corners drawn in `mode`, placed by `nodes` from scene 0.
fn square(mode: u32, nodes: Value) -> Value {
    json!({
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": nodes,
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}, "mode": mode}]}],
        "accessors": [{
            "bufferView": 0, "componentType": 5126, "count": 4, "type": "VEC3",
            "min": [0, 0, 0], "max": [1, 1, 0],
        }],
        "bufferViews": [{"buffer": 0, "byteLength": 48}],
    })
}

fn error(bytes: &[u8]) -> String {
    match load(bytes, Container::Json) {
        Ok(_) => panic!("accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn strips_and_fans_make_n_minus_2_triangles() {
    assert_eq!(
        assemble(Mode::TriangleStrip, &[0, 1, 2, 3]),
        [[0, 1, 2], [2, 1, 3]]
    );
    assert_eq!(
        assemble(Mode::TriangleFan, &[0, 1, 2, 3]),
        [[0, 1, 2], [0, 2, 3]]
    );
    assert_eq!(assemble(Mode::Triangles, &[0, 1, 2, 3]), [[0, 1, 2]]);
    assert!(assemble(Mode::Lines, &[0, 1, 2, 3]).is_empty());
    let strip = document(&SQUARE, &[], square(5, json!([{"mesh": 0}])));
    let (facts, _) = load(&strip, Container::Json).unwrap();
    assert_eq!((facts.vertex_count, facts.triangle_count), (4, 2));
    assert_eq!(facts.format, "gltf");
}

#[test]
fn node_transforms_place_the_bounds_and_hierarchies_must_be_trees() {
    let nodes =
        json!([{"children": [1], "translation": [10, 0, 0]}, {"mesh": 0, "scale": [2, 2, 2]}]);
    let (facts, _) = load(&document(&SQUARE, &[], square(4, nodes)), Container::Json).unwrap();
    let bounds = facts.bounding_box.unwrap();
    assert_eq!((bounds.min, bounds.max), ([10., 0., 0.], [12., 2., 0.]));
    let cycle = json!([{"children": [1]}, {"children": [0], "mesh": 0}]);
    let message = error(&document(&SQUARE, &[], square(4, cycle)));
    assert!(message.contains("reached twice"), "{message}");
}

#[test]
fn sparse_accessors_substitute_their_values() {
    // A POSITION accessor without a buffer view: zeros, then elements 1 and 2 replaced.
    let mut gltf = square(4, json!([{"mesh": 0}]));
    gltf["accessors"][0] = json!({
        "componentType": 5126, "count": 3, "type": "VEC3", "min": [0, 0, 0], "max": [1, 1, 0],
        "sparse": {
            "count": 2,
            "indices": {"bufferView": 1, "componentType": 5123},
            "values": {"bufferView": 0},
        },
    });
    gltf["bufferViews"] = json!([
        {"buffer": 0, "byteLength": 24},
        {"buffer": 0, "byteOffset": 48, "byteLength": 4},
    ]);
    let (facts, scene) = load(&document(&SQUARE, &[1, 2], gltf.clone()), Container::Json).unwrap();
    assert_eq!(facts.triangle_count, 1);
    assert_eq!(
        scene.meshes[0].positions,
        [[0., 0., 0.], [0., 0., 0.], [1., 0., 0.]]
    );
    let message = error(&document(&SQUARE, &[1, 7], gltf));
    assert!(message.contains("sparse index 7"), "{message}");
}

#[test]
fn hostile_references_and_ranges_are_errors() {
    let mut gltf = square(4, json!([{"mesh": 0}]));
    gltf["meshes"][0]["primitives"][0]["attributes"]["POSITION"] = json!(9);
    let message = error(&document(&SQUARE, &[], gltf));
    assert!(message.contains("accessor 9"), "{message}");

    let mut gltf = square(4, json!([{"mesh": 0}]));
    gltf["bufferViews"][0]["byteLength"] = json!(4000);
    let message = error(&document(&SQUARE, &[], gltf));
    assert!(message.contains("bufferView 0"), "{message}");

    let mut gltf = square(4, json!([{"mesh": 0}]));
    gltf["accessors"][0]["count"] = json!(5);
    let message = error(&document(&SQUARE, &[], gltf));
    assert!(message.contains("do not fit"), "{message}");

    let mut gltf = square(4, json!([{"mesh": 0}]));
    gltf["images"] = json!([{"uri": "textures/wood.png"}]);
    let message = error(&document(&SQUARE, &[], gltf));
    assert!(
        message.contains("external file \"textures/wood.png\""),
        "{message}"
    );

    let mut bad_uri = document(&SQUARE, &[], square(4, json!([{"mesh": 0}])));
    let text = String::from_utf8(bad_uri.clone()).unwrap();
    bad_uri = text.replace(";base64,", ",").into_bytes();
    assert!(error(&bad_uri).contains("not base64"));

    let mut gltf = square(4, json!([{"mesh": 0}]));
    gltf["accessors"][0].as_object_mut().unwrap().remove("min");
    let message = error(&document(&SQUARE, &[], gltf));
    assert!(message.contains("min and max"), "{message}");
}

#[test]
fn glb_headers_are_checked_before_the_gltf_crate_sees_them() {
    let mut glb = b"glTF\x02\0\0\0\x04\0\0\0".to_vec();
    assert!(load(&glb, Container::Glb).is_err());
    glb[4] = 1;
    let message = match load(&glb, Container::Glb) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("accepted"),
    };
    assert!(message.contains("version 1"), "{message}");
}
