//! 3D models from the shared corpus (`$MEDIALIB_CORPUS`): sniffing, probing against the
//! manifest's facts (gathered with the Khronos glTF-Validator and assimp), refusals with their
//! reasons, and rendered previews.

mod support;

use support::corpus_dir;

use std::time::Instant;

use base64::Engine;
use medialib_core::AssetKind;
use medialib_media::model3d::{probe, render_preview};
use medialib_media::{MediaError, check_extension, sniff};
use serde_json::{Value, json};

/// One manifest entry.
struct Entry {
    path: String,
    expect: String,
    raw: Value,
}

impl Entry {
    fn bytes(&self) -> Vec<u8> {
        std::fs::read(corpus_dir().join(&self.path)).expect("corpus file")
    }

    fn str(&self, key: &str) -> Option<&str> {
        self.raw[key].as_str()
    }
}

fn manifest() -> Vec<Entry> {
    support::manifest()
        .into_iter()
        .map(|raw| Entry {
            path: raw["path"].as_str().unwrap().to_owned(),
            expect: raw["expect"].as_str().unwrap().to_owned(),
            raw,
        })
        .collect()
}

fn entry(path: &str) -> Entry {
    manifest()
        .into_iter()
        .find(|e| e.path == path)
        .unwrap_or_else(|| panic!("{path} not in manifest"))
}

/// Runs `f`, turning a panic into an error message naming `what`.
fn no_panic<T>(what: &str, f: impl FnOnce() -> T + std::panic::UnwindSafe) -> Result<T, String> {
    std::panic::catch_unwind(f).map_err(|p| {
        let msg = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        format!("{what}: panicked: {msg}")
    })
}

fn models(expect: &str) -> Vec<Entry> {
    manifest()
        .into_iter()
        .filter(|e| e.path.starts_with("models3d/") && e.expect == expect)
        .collect()
}

fn file_name(entry: &Entry) -> &str {
    entry.path.rsplit('/').next().unwrap_or(&entry.path)
}

/// Sniffs as the server does: the first 8 KiB and the size.
fn sniff_file(bytes: &[u8]) -> Option<medialib_media::Detected> {
    sniff(&bytes[..bytes.len().min(8192)], bytes.len() as u64)
}

#[test]
fn models_and_text_sniff_by_content() {
    let mut failures = Vec::new();
    for e in manifest() {
        let bytes = e.bytes();
        let detected = sniff_file(&bytes);
        if e.path.starts_with("models3d/") && e.path != "models3d/bad/IndexOutOfRange.bin" {
            let mime = e.str("mime").unwrap();
            match detected {
                Some(d) if d.kind == AssetKind::Model3d && d.mime == mime && d.format.is_none() => {
                    if let Err(err) = check_extension(file_name(&e), &d) {
                        failures.push(format!("{}: {err}", e.path));
                    }
                }
                other => failures.push(format!("{}: {other:?}, expected {mime}", e.path)),
            }
        } else if e.path.starts_with("docs/") && e.path.ends_with(".txt") {
            match detected {
                Some(d) if d.mime == "text/plain" && d.kind == AssetKind::Document => {}
                other => failures.push(format!("{}: {other:?}, expected text/plain", e.path)),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Triangles of an OBJ after fan triangulation, counted here from its `f` statements (an
/// n-gon makes n − 2), and the number of `f` statements.
///
/// This is the crate's definition. The manifest's `obj_faces` counts `f` statements, so the
/// two agree when every face is a triangle (spider.obj: 1368) and differ for polygons (box.obj:
/// 6 quads, 12 triangles, which is what assimp, triangulating too, reports as its faces). For
/// spider.obj assimp reports 1340 faces: its post-processing drops some of the file's 1368.
fn obj_faces_and_triangles(text: &str) -> (u64, u64) {
    text.lines()
        .filter_map(|line| line.strip_prefix("f "))
        .map(|refs| refs.split_whitespace().count() as u64)
        .fold((0, 0), |(faces, triangles), corners| {
            (faces + 1, triangles + corners.saturating_sub(2))
        })
}

fn check_accepted(e: &Entry) -> Result<(), String> {
    let bytes = e.bytes();
    let mime = e.str("mime").unwrap();
    let m = probe(&bytes, mime).map_err(|err| format!("probe: {err}"))?;
    let u = |v: &Value| v.as_u64().unwrap_or_else(|| panic!("{}: {v}", e.path));
    let (vertices, triangles) = match mime {
        "model/gltf-binary" | "model/gltf+json" => {
            let validator = &e.raw["evidence"]["gltf_validator"];
            if u(&validator["materialCount"]) != u64::from(m.material_count) {
                return Err(format!("{m:?}: materials differ from {validator}"));
            }
            if validator["hasTextures"].as_bool() != Some(m.texture_count > 0) {
                return Err(format!("{m:?}: textures differ from {validator}"));
            }
            if validator["generator"].as_str() != m.generator.as_deref() {
                return Err(format!("{m:?}: generator differs from {validator}"));
            }
            let vertices = u(&e.raw["vertices"]);
            let triangles = u(&e.raw["triangles"]);
            assert_eq!(vertices, u(&validator["totalVertexCount"]), "{}", e.path);
            assert_eq!(triangles, u(&validator["totalTriangleCount"]), "{}", e.path);
            let format = if mime == "model/gltf-binary" {
                "glb"
            } else {
                "gltf"
            };
            if m.format != format {
                return Err(format!("format {}", m.format));
            }
            (vertices, triangles)
        }
        "model/stl" => {
            let triangles = u(&e.raw["triangles"]);
            if m.mesh_count != 1 {
                return Err(format!("{} meshes", m.mesh_count));
            }
            (3 * triangles, triangles)
        }
        "model/obj" => {
            let text = std::str::from_utf8(&bytes).unwrap();
            let (faces, triangles) = obj_faces_and_triangles(text);
            assert_eq!(faces, u(&e.raw["obj_faces"]), "{}", e.path);
            (u(&e.raw["obj_vertices"]), triangles)
        }
        other => panic!("{}: unexpected mime {other}", e.path),
    };
    if (m.vertex_count, m.triangle_count) != (vertices, triangles) {
        return Err(format!(
            "{} vertices, {} triangles; expected {vertices}, {triangles}",
            m.vertex_count, m.triangle_count
        ));
    }
    let bounds = m.bounding_box.ok_or("no bounding box")?;
    let sane = (0..3).all(|i| {
        bounds.min[i].is_finite() && bounds.max[i].is_finite() && bounds.min[i] <= bounds.max[i]
    });
    if !sane || m.mesh_count == 0 {
        return Err(format!("{m:?}"));
    }
    Ok(())
}

#[test]
fn accepted_models_probe_with_the_manifest_facts() {
    let entries = models("accept");
    assert!(entries.len() >= 9, "corpus incomplete");
    let failures: Vec<String> = entries
        .iter()
        .filter_map(|e| {
            no_panic(&e.path, || check_accepted(e))
                .and_then(|r| r)
                .err()
                .map(|err| format!("{}: {err}", e.path))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn boxes_stand_where_their_files_put_them() {
    // Box.glb's mesh spans ±0.5 and its root node turns Z-up into Y-up: still ±0.5.
    for (path, mime) in [
        ("models3d/Box.glb", "model/gltf-binary"),
        ("models3d/box.obj", "model/obj"),
    ] {
        let m = probe(&entry(path).bytes(), mime).unwrap();
        let b = m.bounding_box.unwrap();
        let close = |a: [f64; 3], v: f64| a.iter().all(|c| (c - v).abs() < 1e-6);
        assert!(close(b.min, -0.5) && close(b.max, 0.5), "{path}: {b:?}");
    }
    let m = probe(&entry("models3d/box.obj").bytes(), "model/obj").unwrap();
    assert_eq!((m.mesh_count, m.material_count, m.texture_count), (1, 1, 0));
}

fn invalid_reason(result: Result<impl std::fmt::Debug, MediaError>) -> String {
    match result {
        Err(MediaError::Invalid(reason)) => reason,
        other => panic!("expected MediaError::Invalid, got {other:?}"),
    }
}

#[test]
fn rejected_models_say_what_is_wrong() {
    let entries = models("reject");
    assert_eq!(entries.len(), 3, "corpus changed");
    for e in &entries {
        let bytes = e.bytes();
        let mime = e.str("mime").unwrap();
        let reason = invalid_reason(probe(&bytes, mime));
        let expected: &[&str] = match file_name(e) {
            "BoxWithInfinites.glb" => &["POSITION accessor 2", "not finite", "infinite"],
            // Both glTF JSON files point at buffers next to them, which an upload lacks.
            "MissingBin_BoxTextured.gltf" => &["external file", "BoxTextured0.bin", "embed"],
            "IndexOutOfRange.gltf" => &["external file", "IndexOutOfRange.bin"],
            other => panic!("{other} has no expected reason"),
        };
        for needle in expected {
            assert!(reason.contains(needle), "{}: {reason}", e.path);
        }
        // The preview refuses it for the same reason, rather than drawing something.
        assert_eq!(invalid_reason(render_preview(&bytes, mime, 64, 64)), reason);
    }
}

/// IndexOutOfRange.gltf with its buffer embedded, as an uploader who fixed the external
/// reference would send it: now the out-of-range index (255, with 24 vertices) is the fault.
#[test]
fn an_index_out_of_range_is_refused_once_the_buffer_is_embedded() {
    let gltf = entry("models3d/bad/IndexOutOfRange.gltf").bytes();
    let bin = entry("models3d/bad/IndexOutOfRange.bin").bytes();
    let mut json: Value = serde_json::from_slice(&gltf).unwrap();
    let data = base64::engine::general_purpose::STANDARD.encode(&bin);
    json["buffers"][0]["uri"] = format!("data:application/octet-stream;base64,{data}").into();
    let embedded = serde_json::to_vec(&json).unwrap();
    let reason = invalid_reason(probe(&embedded, "model/gltf+json"));
    for needle in ["index 255", "out of range", "24 vertices"] {
        assert!(reason.contains(needle), "{reason}");
    }
    // With the index repaired it is the valid box the validator counted.
    let repaired = {
        let mut bin = bin.clone();
        // The first index (u16 at the indices view's offset 576) is the bad one.
        bin[576..578].copy_from_slice(&0u16.to_le_bytes());
        let data = base64::engine::general_purpose::STANDARD.encode(&bin);
        json["buffers"][0]["uri"] = format!("data:application/octet-stream;base64,{data}").into();
        serde_json::to_vec(&json).unwrap()
    };
    let m = probe(&repaired, "model/gltf+json").unwrap();
    assert_eq!((m.vertex_count, m.triangle_count), (24, 12));
}

/// Found by fuzzing (`fuzz/regressions/model/`): an image with a bufferView but no
/// mimeType, or with no source at all, made the `gltf` crate panic.
#[test]
fn an_image_without_a_source_is_refused_not_a_panic() {
    let textured = entry("models3d/BoxTextured_embedded.gltf").bytes();
    let json: Value = serde_json::from_slice(&textured).unwrap();
    for broken in [json!({"bufferView": 0}), json!({})] {
        let mut model = json.clone();
        model["images"][0] = broken.clone();
        let bytes = serde_json::to_vec(&model).unwrap();
        let reason = invalid_reason(probe(&bytes, "model/gltf+json"));
        assert!(
            reason.contains("image 0 has neither a uri nor a bufferView with a mimeType"),
            "{broken}: {reason}"
        );
    }
}

#[test]
fn either_files_and_damaged_models_do_not_panic() {
    let formats = [
        "model/gltf-binary",
        "model/gltf+json",
        "model/obj",
        "model/stl",
    ];
    let mut failures = Vec::new();
    let buffer = entry("models3d/bad/IndexOutOfRange.bin").bytes();
    for mime in formats {
        if let Err(panic) = no_panic(mime, || probe(&buffer, mime)) {
            failures.push(format!("IndexOutOfRange.bin as {panic}"));
        }
    }
    // Every accepted model cut short and with bytes flipped: errors are fine, panics are not.
    for e in models("accept") {
        let bytes = e.bytes();
        let mime = e.str("mime").unwrap();
        let len = bytes.len();
        let mut variants: Vec<Vec<u8>> = [0, 1, 11, 12, 20, 84, len / 3, len / 2, len - 1]
            .iter()
            .filter(|&&cut| cut < len)
            .map(|&cut| bytes[..cut].to_vec())
            .collect();
        for step in [7, 97, 1009] {
            let mut flipped = bytes.clone();
            for i in (0..len).step_by(step.min(len.max(1))) {
                flipped[i] ^= 0x5A;
            }
            variants.push(flipped);
        }
        if mime == "model/gltf-binary" {
            let mut short_header = bytes.clone();
            short_header[8..12].copy_from_slice(&4u32.to_le_bytes());
            variants.push(short_header);
        }
        for (i, variant) in variants.iter().enumerate() {
            let what = format!("{} variant {i}", e.path);
            if let Err(panic) = no_panic(&what, || probe(variant, mime)) {
                failures.push(panic);
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The preview's object pixels: those that differ from the background (the corner pixel).
struct Coverage {
    fraction: f64,
    colours: usize,
    bounds: (u32, u32, u32, u32),
}

fn coverage(png: &[u8], width: u32, height: u32) -> Result<Coverage, String> {
    let image = image::load_from_memory_with_format(png, image::ImageFormat::Png)
        .map_err(|e| format!("PNG does not decode: {e}"))?
        .into_rgb8();
    if image.dimensions() != (width, height) {
        return Err(format!(
            "{:?}, asked for {width}x{height}",
            image.dimensions()
        ));
    }
    let background = *image.get_pixel(0, 0);
    let (mut count, mut colours) = (0u64, std::collections::HashSet::new());
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    for (x, y, pixel) in image.enumerate_pixels() {
        let differs = pixel
            .0
            .iter()
            .zip(background.0)
            .any(|(a, b)| a.abs_diff(b) > 12);
        if differs {
            count += 1;
            colours.insert(pixel.0);
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
    }
    Ok(Coverage {
        fraction: count as f64 / f64::from(width * height),
        colours: colours.len(),
        bounds: (x0, y0, x1, y1),
    })
}

fn check_preview(e: &Entry, width: u32, height: u32) -> Result<f64, String> {
    let bytes = e.bytes();
    let mime = e.str("mime").unwrap();
    let started = Instant::now();
    let png = render_preview(&bytes, mime, width, height).map_err(|err| err.to_string())?;
    let took = started.elapsed().as_secs_f64() * 1000.0;
    let c = coverage(&png, width, height)?;
    let (x0, y0, x1, y1) = c.bounds;
    let (w, h) = (
        f64::from(x1 + 1 - x0.min(x1)),
        f64::from(y1 + 1 - y0.min(y1)),
    );
    let centre = (f64::from(x0 + x1) / 2.0, f64::from(y0 + y1) / 2.0);
    let off_centre = (
        (centre.0 - f64::from(width) / 2.0).abs() / f64::from(width),
        (centre.1 - f64::from(height) / 2.0).abs() / f64::from(height),
    );
    // Fitted with a 5 % margin: one side spans about 90 % of the image, and neither is tiny.
    let fills = (w / f64::from(width)).max(h / f64::from(height));
    let ok = c.fraction > 0.05
        && c.colours >= 2
        && fills > 0.8
        && w / f64::from(width) > 0.2
        && h / f64::from(height) > 0.2
        && off_centre.0 < 0.05
        && off_centre.1 < 0.05;
    if !ok {
        return Err(format!(
            "{width}x{height}: {:.1} % object pixels in {} colours, bounds {:?}, centre off by \
             {off_centre:?}",
            100.0 * c.fraction,
            c.colours,
            c.bounds
        ));
    }
    Ok(took)
}

#[test]
fn previews_show_the_whole_model_centred_and_shaded() {
    let mut failures = Vec::new();
    for e in models("accept") {
        for (width, height) in [(640, 480), (200, 300)] {
            match no_panic(&e.path, || check_preview(&e, width, height)) {
                Ok(Ok(ms)) => eprintln!("{} {width}x{height}: {ms:.1} ms", e.path),
                Ok(Err(err)) => failures.push(format!("{}: {err}", e.path)),
                Err(panic) => failures.push(panic),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn duck_renders_at_1024x768_quickly() {
    let duck = entry("models3d/Duck.glb");
    // The first run warms caches and the allocator; the best of three is the cost.
    let best = (0..3)
        .map(|_| check_preview(&duck, 1024, 768).unwrap())
        .fold(f64::INFINITY, f64::min);
    eprintln!("Duck.glb 1024x768: {best:.1} ms (best of 3, probe included)");
    // The budget is 200 ms on an idle machine; the bound here leaves room for a loaded CI host.
    assert!(best < 1000.0, "{best:.1} ms");
}

#[test]
fn preview_sizes_are_bounded() {
    let bytes = entry("models3d/Box.glb").bytes();
    for (w, h) in [(0, 10), (10, 0), (5000, 10)] {
        let err = render_preview(&bytes, "model/gltf-binary", w, h).unwrap_err();
        assert_eq!(err.code().as_str(), "over_limit", "{w}x{h}");
    }
    let err = probe(&bytes, "image/png").unwrap_err();
    assert_eq!(err.code().as_str(), "unsupported_media_type");
}

/// OBJ and STL models written as GLB read back through the glTF loader with the same
/// triangles and the same bounds, turned Y up for STL (+Z up becomes +Y up, +Y becomes -Z).
#[test]
fn obj_and_stl_round_trip_through_glb() {
    for (path, mime) in [
        ("models3d/box.obj", "model/obj"),
        ("models3d/spider.obj", "model/obj"),
        ("models3d/Spider_binary.stl", "model/stl"),
        ("models3d/Spider_ascii.stl", "model/stl"),
        ("models3d/triangle_ascii.stl", "model/stl"),
    ] {
        let bytes = std::fs::read(corpus_dir().join(path)).unwrap();
        let source = probe(&bytes, mime).unwrap();
        let glb = medialib_media::model3d::to_glb(&bytes, mime).unwrap();
        let detected = sniff(&glb[..glb.len().min(8192)], glb.len() as u64).unwrap();
        assert_eq!(detected.mime, "model/gltf-binary", "{path}");
        let back = probe(&glb, "model/gltf-binary").unwrap();
        assert_eq!(back.triangle_count, source.triangle_count, "{path}");
        let (a, b) = (source.bounding_box.unwrap(), back.bounding_box.unwrap());
        let expected = if mime == "model/stl" {
            (
                [a.min[0], a.min[2], -a.max[1]],
                [a.max[0], a.max[2], -a.min[1]],
            )
        } else {
            (a.min, a.max)
        };
        let size = (0..3).map(|k| a.max[k] - a.min[k]).fold(1e-9, f64::max);
        for k in 0..3 {
            for (got, want) in [(b.min[k], expected.0[k]), (b.max[k], expected.1[k])] {
                assert!(
                    (got - want).abs() <= size * 1e-4,
                    "{path}: axis {k}: {got} against {want}"
                );
            }
        }
    }
}
