//! Schemas for values whose rules the Rust types do not carry (a string that is one of a
//! domain enum's names, a comma-separated list of them, a date), so that the API
//! description states exactly what the server accepts. Used by `#[param(schema_with)]`
//! and `#[schema(schema_with)]`.

use medialib_core::access::Role;
use medialib_core::organise::TagSource;
use medialib_core::store::{AssetSort, Orientation, TagMatch};
use medialib_core::webhook::EventType;
use medialib_core::{AssetKind, AssetStatus};
use utoipa::openapi::schema::SchemaType;
use utoipa::openapi::schema::{
    AnyOfBuilder, Array, ArrayBuilder, KnownFormat, Object, ObjectBuilder, SchemaFormat,
};
use utoipa::openapi::{RefOr, Schema, Type};

/// A string that is one of `values`.
pub(crate) fn one_of<'a>(values: impl IntoIterator<Item = &'a str>) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.into_iter().map(str::to_owned)))
        .build()
}

/// A string matching `pattern` (ECMA-262, anchored by the pattern itself).
fn matching(pattern: &str) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern))
        .build()
}

/// Asset kinds, comma-separated (`image,video`); blanks and empty items are ignored.
pub(crate) fn kind_list() -> Object {
    let kinds = AssetKind::ALL
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join("|");
    matching(&format!(r"^\s*(?:{kinds})?\s*(?:,\s*(?:{kinds})?\s*)*$"))
}

/// `processing`, `ready` or `failed`.
pub(crate) fn status() -> Object {
    one_of(AssetStatus::ALL.iter().map(|s| s.as_str()))
}

/// `all` or `any`.
pub(crate) fn tag_match() -> Object {
    one_of(TagMatch::ALL.iter().map(|m| m.as_str()))
}

/// `landscape`, `portrait` or `square`.
pub(crate) fn orientation() -> Object {
    one_of(Orientation::ALL.iter().map(|o| o.as_str()))
}

/// A sort key, `-` before it for descending: `created_at`, `-created_at`, …
pub(crate) fn sort() -> Object {
    let keys: Vec<&str> = AssetSort::ALL.iter().map(|k| k.as_str()).collect();
    let descending: Vec<String> = keys.iter().map(|k| format!("-{k}")).collect();
    one_of(
        keys.iter()
            .copied()
            .chain(descending.iter().map(String::as_str)),
    )
}

/// `viewer`, `editor` or `admin`.
pub(crate) fn role() -> Object {
    one_of(Role::ALL.iter().map(|r| r.as_str()))
}

/// A time: RFC 3339 (`2026-11-24T10:00:00Z`) or a date (`2026-11-24`, midnight UTC).
pub(crate) fn date_or_time() -> RefOr<Schema> {
    let formatted = |format| {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(format)))
    };
    RefOr::T(Schema::AnyOf(
        AnyOfBuilder::new()
            .item(formatted(KnownFormat::DateTime))
            .item(formatted(KnownFormat::Date))
            .build(),
    ))
}

/// A UUID (asset, job and upload ids), RFC 9562 text form.
pub(crate) fn uuid() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
        .build()
}

/// Asset ids, any number.
pub(crate) fn asset_id_list() -> Array {
    ArrayBuilder::new().items(uuid()).build()
}

/// 1–1000 asset ids (`medialib_app::bulk::MAX_BULK_IDS`).
pub(crate) fn asset_ids() -> Array {
    one_to(uuid(), medialib_app::bulk::MAX_BULK_IDS)
}

/// 1 to `max` items of `item`.
fn one_to(item: Object, max: usize) -> Array {
    ArrayBuilder::new()
        .items(item)
        .min_items(Some(1))
        .max_items(Some(max))
        .build()
}

/// A string with something besides white space in it, at most `max` characters.
fn text(max: usize) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(r"\S"))
        .max_length(Some(max))
        .build()
}

/// Not blank, at most 100 characters (token names, collection kinds).
pub(crate) fn name_100() -> Object {
    text(100)
}

/// Not blank, at most 200 characters (usage fields, namespace names).
pub(crate) fn name_200() -> Object {
    text(200)
}

/// Not blank, at most 500 characters (collection titles).
pub(crate) fn title() -> Object {
    text(500)
}

/// A user's name: 1–100 characters, none of them control characters, no white space at
/// either end.
pub(crate) fn user_name() -> Object {
    const EDGE: &str = r"[^\s\x00-\x1f\x7f-\x9f]";
    const INNER: &str = r"[^\x00-\x1f\x7f-\x9f]";
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!("^{EDGE}(?:{INNER}*{EDGE})?$")))
        .max_length(Some(100))
        .build()
}

/// A tag name: at most 100 characters, with a letter or digit of any script somewhere
/// (its slug is made of them; ECMA-262 patterns cannot say "letter" portably, so the
/// description leaves that rule to the text).
pub(crate) fn tag_name() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(medialib_app::bulk::MAX_TAG_NAME))
        .description(Some("at most 100 characters, with a letter or digit"))
        .build()
}

/// 1–50 tag names.
pub(crate) fn tag_names() -> Array {
    one_to(tag_name(), medialib_app::bulk::MAX_TAGS)
}

/// Who put a tag on: `user`, `auto` or `exif`.
pub(crate) fn tag_source() -> Object {
    one_of(TagSource::ALL.iter().map(|s| s.as_str()))
}

/// At least one webhook event type, each once or more.
pub(crate) fn event_types() -> Array {
    ArrayBuilder::new()
        .items(one_of(EventType::ALL.iter().map(|e| e.as_str())))
        .min_items(Some(1))
        .build()
}

/// A bulk action, one of [`crate::routes::bulk::ACTIONS`].
pub(crate) fn bulk_action() -> Object {
    one_of(crate::routes::bulk::ACTIONS)
}

/// Token scopes: `read`, `write` and `admin`, comma-separated.
pub(crate) fn scopes() -> Object {
    matching(r"^[\s,]*(?:read|write|admin)\s*(?:,[\s,]*(?:read|write|admin)\s*)*[\s,]*$")
}

/// A transform output: `jpg`, `png`, `webp`, `avif` or `auto`.
pub(crate) fn output_format() -> Object {
    one_of(["jpg", "png", "webp", "avif", "auto"])
}

/// Transform ops as the grammar spells them (`medialib_core::transform`): `_`, a preset
/// `p_NAME`, or a comma list of `w_`, `h_`, `c_`, `g_`, `bg_`, `q_`, `dpr_`, `blur_`,
/// `sharpen` and `wm_NAME`. Rules between ops (each once, `c_fill` and `c_pad` need `w_`
/// and `h_`, `g_` only with `c_fill`, `bg_` only with `c_pad`) and value ranges are the
/// server's: a list breaking them is answered with the error naming the op.
pub(crate) fn ops() -> Object {
    const NAME: &str = "[a-z0-9_-]{1,32}";
    let fraction = r"(?:0(?:\.[0-9]+)?|1(?:\.0+)?|\.[0-9]+)";
    let op = format!(
        "(?:[wh]_[1-9][0-9]{{0,5}}|c_(?:fill|fit|limit|pad)|bg_[0-9A-Fa-f]{{6}}\
         |g_(?:auto|face|center|ne|nw|se|sw|n|e|s|w|fp:{fraction}:{fraction})\
         |(?:q|blur)_[1-9][0-9]{{0,2}}|dpr_[1-3]|sharpen|wm_{NAME})"
    );
    matching(&format!("^(?:_|p_{NAME}|{op}(?:,{op})*)$"))
}

/// The same schema, also allowing `null` (an `Option` field with `schema_with`).
fn or_null(mut object: Object) -> Object {
    if let SchemaType::Type(t) = object.schema_type {
        object.schema_type = SchemaType::Array(vec![t, Type::Null]);
    }
    object
}

/// Optional forms of the schemas above, for `Option` fields.
pub(crate) mod optional {
    use utoipa::openapi::Type;
    use utoipa::openapi::schema::{Array, Object, SchemaType};

    use super::or_null;

    macro_rules! nullable {
        ($($name:ident),+) => {
            $(
                pub(crate) fn $name() -> Object {
                    or_null(super::$name())
                }
            )+
        };
    }

    nullable!(
        role, name_100, name_200, title, user_name, tag_name, tag_source, scopes
    );

    pub(crate) fn event_types() -> Array {
        let mut array = super::event_types();
        array.schema_type = SchemaType::Array(vec![Type::Array, Type::Null]);
        array
    }
}
