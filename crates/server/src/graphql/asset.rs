//! Assets in GraphQL: the `Asset` interface, one object type per kind (`ImageAsset`,
//! `VideoAsset`, `AudioAsset`, `DocumentAsset`, `Model3dAsset`), and their facts.
//!
//! Every kind shares the interface's fields, written once in [`AssetFields`] and
//! forwarded by [`kind_object!`]; each kind adds `facts`, its own metadata.

use std::sync::Arc;

use async_graphql::{Context, ID, Interface, Json, Object, Result, SimpleObject};
use medialib_app::transforms::responsive::{ResponsiveRequest, markup_of};
use medialib_app::transforms::urls;
use medialib_core::transform::RequestedFormat;
use medialib_core::{Asset, AssetKind, AudioMetadata, DocumentMetadata, ImageMetadata, Metadata};
use medialib_core::{ModelMetadata, OutputFormat, VideoMetadata};

use super::errors::field_error;
use super::types::{
    AssetTagNode, CollectionNode, FocalPoint, Kind, Placeholder, Status, UsageNode, VariantNode,
};
use super::{loaders, principal, state};
use crate::dto::rfc3339;

/// The fields every kind of asset has, over the asset record.
#[derive(Clone)]
pub(crate) struct AssetFields(pub Arc<Asset>);

impl AssetFields {
    fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn tags(&self, ctx: &Context<'_>) -> Result<Vec<AssetTagNode>> {
        let tags = loaders(ctx).tags.load_one(self.0.id).await?;
        Ok(tags
            .unwrap_or_default()
            .into_iter()
            .map(AssetTagNode)
            .collect())
    }

    async fn stored(&self, ctx: &Context<'_>, renditions: bool) -> Result<Vec<VariantNode>> {
        let variants = loaders(ctx).variants.load_one(self.0.id).await?;
        let urls = &state(ctx).urls;
        Ok(variants
            .unwrap_or_default()
            .iter()
            .filter(|v| is_rendition(v.format) == renditions)
            .map(|v| VariantNode::new(urls, v))
            .collect())
    }

    async fn collections(&self, ctx: &Context<'_>) -> Result<Vec<CollectionNode>> {
        let collections = loaders(ctx).collections.load_one(self.0.id).await?;
        Ok(collections
            .unwrap_or_default()
            .into_iter()
            .map(CollectionNode)
            .collect())
    }

    async fn usages(&self, ctx: &Context<'_>) -> Result<Vec<UsageNode>> {
        if self.0.usage_count == 0 {
            return Ok(Vec::new());
        }
        let usages =
            medialib_app::organise::usage::list(&state(ctx).catalog, principal(ctx), self.0.id)
                .await
                .map_err(field_error)?;
        Ok(usages.into_iter().map(UsageNode).collect())
    }

    fn url(&self, ctx: &Context<'_>, preset: &str, format: &str) -> Result<String> {
        let state = state(ctx);
        urls::preset_ops(&state.catalog, preset).map_err(field_error)?;
        let format = RequestedFormat::parse(format)
            .map_err(|e| field_error(medialib_core::AppError::invalid(format!("format {e}"))))?;
        let segment = format!("p_{preset}");
        let signed = urls::signed(
            &state.catalog,
            &state.signer,
            &self.0,
            &segment,
            true,
            format,
            None,
        );
        Ok(state.urls.url(&signed.url))
    }

    async fn srcset(&self, ctx: &Context<'_>, preset: &str) -> Result<Option<Srcset>> {
        let state = state(ctx);
        let variants = loaders(ctx).variants.load_one(self.0.id).await?;
        let request = ResponsiveRequest {
            preset: Some(preset),
            base_url: state.urls.base(),
            ..ResponsiveRequest::default()
        };
        let variants = variants.unwrap_or_default();
        match markup_of(&state.catalog, &state.signer, &self.0, &variants, request) {
            Ok(markup) => Ok(Some(Srcset {
                sources: markup
                    .sources
                    .into_iter()
                    .map(|s| Source {
                        mime: s.mime,
                        srcset: s.srcset,
                    })
                    .collect(),
                sizes: markup.sizes,
                src: markup.src,
                width: markup.width,
                height: markup.height,
                html: markup.html,
            })),
            Err(e) if e.code == medialib_core::ErrorCode::NoPicture => Ok(None),
            Err(e) => Err(field_error(e)),
        }
    }
}

/// Whether a variant format is a playable video or audio rendition.
fn is_rendition(format: OutputFormat) -> bool {
    matches!(
        format,
        OutputFormat::Mp4 | OutputFormat::Webm | OutputFormat::M4a | OutputFormat::Mp3
    )
}

/// Responsive markup for one preset: a `srcset` per format and the fallback.
#[derive(SimpleObject)]
pub(crate) struct Srcset {
    /// AVIF, WebP, then JPEG (PNG for transparent pictures).
    sources: Vec<Source>,
    /// The `sizes` attribute.
    sizes: String,
    /// The fallback picture's URL.
    src: String,
    /// Its width, in pixels.
    width: u32,
    /// Its height, in pixels.
    height: u32,
    /// The whole `<picture>` element.
    html: String,
}

/// One format's candidates.
#[derive(SimpleObject)]
pub(crate) struct Source {
    /// `image/avif`, `image/webp`, `image/jpeg` or `image/png`.
    #[graphql(name = "type")]
    mime: &'static str,
    /// `url 320w, url 640w, …`.
    srcset: String,
}

/// An object type for one kind: the shared fields, forwarded to [`AssetFields`], and
/// `facts`, the kind's own metadata (`null` until processing has read it).
macro_rules! kind_object {
    ($name:ident, $graphql:literal, $facts:ty, $variant:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(Clone)]
        pub(crate) struct $name(pub AssetFields);

        #[Object(name = $graphql)]
        impl $name {
            /// UUIDv7.
            async fn id(&self) -> ID {
                self.0.id()
            }
            async fn kind(&self) -> Kind {
                Kind::of(self.0.0.kind)
            }
            /// `PROCESSING` after upload, then `READY` or `FAILED`.
            async fn status(&self) -> Status {
                Status::of(self.0.0.status)
            }
            /// Why processing failed.
            async fn failure(&self) -> Option<&str> {
                self.0.0.error.as_deref()
            }
            async fn title(&self) -> &str {
                &self.0.0.title
            }
            /// Alt text for screen readers.
            async fn alt(&self) -> Option<&str> {
                self.0.0.alt_text.as_deref()
            }
            async fn description(&self) -> Option<&str> {
                self.0.0.description.as_deref()
            }
            /// The uploaded file's (sanitised) name.
            async fn filename(&self) -> &str {
                &self.0.0.original_filename
            }
            /// Detected MIME type.
            async fn mime(&self) -> &str {
                &self.0.0.mime
            }
            /// The original's size, in bytes.
            async fn byte_size(&self) -> u64 {
                self.0.0.size
            }
            /// SHA-256 of the original, hex.
            async fn sha256(&self) -> String {
                self.0.0.sha256.to_string()
            }
            /// The revision in transform URLs (10 hex characters).
            async fn rev(&self) -> String {
                urls::revision(&self.0.0)
            }
            async fn is_public(&self) -> bool {
                self.0.0.is_public
            }
            /// Pixels, upright (images, video, pictures of other kinds).
            async fn width(&self) -> Option<u32> {
                self.0.0.width
            }
            /// Pixels, upright.
            async fn height(&self) -> Option<u32> {
                self.0.0.height
            }
            /// RFC 3339.
            async fn created_at(&self) -> String {
                rfc3339(self.0.0.created_at)
            }
            /// RFC 3339.
            async fn updated_at(&self) -> String {
                rfc3339(self.0.0.updated_at)
            }
            /// RFC 3339, while in the trash.
            async fn trashed_at(&self) -> Option<String> {
                self.0.0.deleted_at.map(rfc3339)
            }
            /// RFC 3339, when the content was captured (from its metadata).
            async fn taken_at(&self) -> Option<String> {
                self.0.0.taken_at.map(rfc3339)
            }
            async fn focal_point(&self) -> Option<FocalPoint> {
                self.0.0.focal_point.map(|p| FocalPoint { x: p.x, y: p.y })
            }
            /// How many places use it.
            async fn usage_count(&self) -> u64 {
                self.0.0.usage_count
            }
            /// Placeholders of its picture, once processed.
            async fn placeholder(&self) -> Option<Placeholder> {
                self.0.0.placeholder.as_ref().map(|p| Placeholder {
                    blurhash: p.blurhash.clone(),
                    thumbhash: p.thumbhash.clone(),
                    dominant_color: p.dominant_color.clone(),
                })
            }
            /// Every fact processing read, as the REST API's `metadata` object.
            async fn metadata(&self) -> Option<Json<Metadata>> {
                self.0.0.metadata.clone().map(Json)
            }
            async fn tags(&self, ctx: &Context<'_>) -> Result<Vec<AssetTagNode>> {
                self.0.tags(ctx).await
            }
            /// Pictures and data made from it (`thumbnail` … `hero`, `poster`, `waveform`).
            async fn variants(&self, ctx: &Context<'_>) -> Result<Vec<VariantNode>> {
                self.0.stored(ctx, false).await
            }
            /// Video and audio renditions (`mp4_720p`, …).
            async fn renditions(&self, ctx: &Context<'_>) -> Result<Vec<VariantNode>> {
                self.0.stored(ctx, true).await
            }
            async fn collections(&self, ctx: &Context<'_>) -> Result<Vec<CollectionNode>> {
                self.0.collections(ctx).await
            }
            /// Where it is used.
            async fn usages(&self, ctx: &Context<'_>) -> Result<Vec<UsageNode>> {
                self.0.usages(ctx).await
            }
            /// A transform preset's URL (`/img/…`), signed when it must be; `format` is
            /// `auto` (the browser's best), `avif`, `webp`, `jpg` or `png`.
            async fn url(
                &self,
                ctx: &Context<'_>,
                preset: String,
                #[graphql(default = "auto")] format: String,
            ) -> Result<String> {
                self.0.url(ctx, &preset, &format)
            }
            /// Responsive markup for a preset; `null` for assets without a picture.
            async fn srcset(&self, ctx: &Context<'_>, preset: String) -> Result<Option<Srcset>> {
                self.0.srcset(ctx, &preset).await
            }
            /// The kind's own facts.
            async fn facts(&self) -> Option<$facts> {
                match &self.0.0.metadata {
                    Some(Metadata::$variant(m)) => Some(<$facts>::from(m)),
                    _ => None,
                }
            }
        }
    };
}

kind_object!(ImageAsset, "ImageAsset", ImageFacts, Image, "A picture.");
kind_object!(VideoAsset, "VideoAsset", VideoFacts, Video, "A video.");
kind_object!(AudioAsset, "AudioAsset", AudioFacts, Audio, "Sound.");
kind_object!(
    DocumentAsset,
    "DocumentAsset",
    DocumentFacts,
    Document,
    "A PDF, office or text document."
);
kind_object!(
    Model3dAsset,
    "Model3dAsset",
    ModelFacts,
    Model3d,
    "A 3D model (glTF, OBJ, STL)."
);

/// Any asset; ask for a kind's own fields with `... on ImageAsset { facts { … } }`.
#[allow(
    clippy::duplicated_attributes,
    reason = "each `field(…)` of the derive names its type; fields of one type are not duplicates"
)]
#[derive(Interface)]
#[graphql(
    name = "Asset",
    field(name = "id", ty = "ID"),
    field(name = "kind", ty = "Kind"),
    field(name = "status", ty = "Status"),
    field(name = "failure", ty = "Option<&str>"),
    field(name = "title", ty = "&str"),
    field(name = "alt", ty = "Option<&str>"),
    field(name = "description", ty = "Option<&str>"),
    field(name = "filename", ty = "&str"),
    field(name = "mime", ty = "&str"),
    field(name = "byte_size", ty = "u64"),
    field(name = "sha256", ty = "String"),
    field(name = "rev", ty = "String"),
    field(name = "is_public", ty = "bool"),
    field(name = "width", ty = "Option<u32>"),
    field(name = "height", ty = "Option<u32>"),
    field(name = "created_at", ty = "String"),
    field(name = "updated_at", ty = "String"),
    field(name = "trashed_at", ty = "Option<String>"),
    field(name = "taken_at", ty = "Option<String>"),
    field(name = "focal_point", ty = "Option<FocalPoint>"),
    field(name = "usage_count", ty = "u64"),
    field(name = "placeholder", ty = "Option<Placeholder>"),
    field(name = "metadata", ty = "Option<Json<Metadata>>"),
    field(name = "tags", ty = "Vec<AssetTagNode>"),
    field(name = "variants", ty = "Vec<VariantNode>"),
    field(name = "renditions", ty = "Vec<VariantNode>"),
    field(name = "collections", ty = "Vec<CollectionNode>"),
    field(name = "usages", ty = "Vec<UsageNode>"),
    field(
        name = "url",
        ty = "String",
        arg(name = "preset", ty = "String"),
        arg(name = "format", ty = "String", default = "auto")
    ),
    field(
        name = "srcset",
        ty = "Option<Srcset>",
        arg(name = "preset", ty = "String")
    )
)]
#[derive(Clone)]
pub(crate) enum AssetNode {
    Image(ImageAsset),
    Video(VideoAsset),
    Audio(AudioAsset),
    Document(DocumentAsset),
    Model3d(Model3dAsset),
}

impl AssetNode {
    /// The object of the asset's kind.
    pub(crate) fn of(asset: Asset) -> Self {
        let kind = asset.kind;
        let fields = AssetFields(Arc::new(asset));
        match kind {
            AssetKind::Image => Self::Image(ImageAsset(fields)),
            AssetKind::Video => Self::Video(VideoAsset(fields)),
            AssetKind::Audio => Self::Audio(AudioAsset(fields)),
            AssetKind::Model3d => Self::Model3d(Model3dAsset(fields)),
            _ => Self::Document(DocumentAsset(fields)),
        }
    }
}

/// A GPS position (WGS 84 degrees; altitude in metres above sea level).
#[derive(SimpleObject, Clone, Copy)]
pub(crate) struct Gps {
    latitude: f64,
    longitude: f64,
    altitude: Option<f64>,
}

/// What a picture's file says (EXIF, ICC).
#[derive(SimpleObject)]
pub(crate) struct ImageFacts {
    /// `jpeg`, `png`, `heif`, …
    format: String,
    has_alpha: bool,
    frame_count: u32,
    camera_make: Option<String>,
    camera_model: Option<String>,
    lens: Option<String>,
    /// Seconds.
    exposure_time_s: Option<f64>,
    f_number: Option<f64>,
    iso: Option<u32>,
    focal_length_mm: Option<f64>,
    icc_profile: Option<String>,
    gps: Option<Gps>,
}

impl From<&ImageMetadata> for ImageFacts {
    fn from(m: &ImageMetadata) -> Self {
        Self {
            format: m.format.clone(),
            has_alpha: m.has_alpha,
            frame_count: m.frame_count,
            camera_make: m.camera_make.clone(),
            camera_model: m.camera_model.clone(),
            lens: m.lens.clone(),
            exposure_time_s: m.exposure_time_s,
            f_number: m.f_number,
            iso: m.iso,
            focal_length_mm: m.focal_length_mm,
            icc_profile: m.icc_profile.clone(),
            gps: m.gps.map(|g| Gps {
                latitude: g.latitude,
                longitude: g.longitude,
                altitude: g.altitude,
            }),
        }
    }
}

/// What ffprobe reads of a video (its `format` and stream fields).
#[derive(SimpleObject)]
pub(crate) struct VideoFacts {
    /// `mov,mp4,m4a,3gp,3g2,mj2`, `matroska,webm`, …
    container: String,
    /// Seconds.
    duration_s: f64,
    frame_rate: Option<f64>,
    video_codec: String,
    audio_codec: Option<String>,
    /// Bits per second.
    bitrate: Option<u64>,
    gps: Option<Gps>,
}

impl From<&VideoMetadata> for VideoFacts {
    fn from(m: &VideoMetadata) -> Self {
        Self {
            container: m.container.clone(),
            duration_s: m.duration_s,
            frame_rate: m.frame_rate,
            video_codec: m.video_codec.clone(),
            audio_codec: m.audio_codec.clone(),
            bitrate: m.bitrate,
            gps: m.gps.map(|g| Gps {
                latitude: g.latitude,
                longitude: g.longitude,
                altitude: g.altitude,
            }),
        }
    }
}

/// What ffprobe reads of sound, with its tags.
#[derive(SimpleObject)]
pub(crate) struct AudioFacts {
    container: String,
    /// Seconds.
    duration_s: f64,
    codec: String,
    /// Bits per second.
    bitrate: Option<u64>,
    /// Hz.
    sample_rate: u32,
    channels: u32,
    has_cover_art: bool,
    /// The recording's own title tag.
    track_title: Option<String>,
    artist: Option<String>,
    album: Option<String>,
    year: Option<String>,
    genre: Option<String>,
}

impl From<&AudioMetadata> for AudioFacts {
    fn from(m: &AudioMetadata) -> Self {
        Self {
            container: m.container.clone(),
            duration_s: m.duration_s,
            codec: m.codec.clone(),
            bitrate: m.bitrate,
            sample_rate: m.sample_rate,
            channels: m.channels,
            has_cover_art: m.has_cover_art,
            track_title: m.tags.title.clone(),
            artist: m.tags.artist.clone(),
            album: m.tags.album.clone(),
            year: m.tags.year.clone(),
            genre: m.tags.genre.clone(),
        }
    }
}

/// What a document says of itself (PDF info dictionary, office core properties).
#[derive(SimpleObject)]
pub(crate) struct DocumentFacts {
    /// `pdf`, `docx`, `odt`, `text`, …
    format: String,
    page_count: Option<u32>,
    /// The document's own title.
    document_title: Option<String>,
    author: Option<String>,
    encrypted: bool,
    pdf_version: Option<String>,
}

impl From<&DocumentMetadata> for DocumentFacts {
    fn from(m: &DocumentMetadata) -> Self {
        Self {
            format: m.format.clone(),
            page_count: m.page_count,
            document_title: m.title.clone(),
            author: m.author.clone(),
            encrypted: m.encrypted,
            pdf_version: m.pdf_version.clone(),
        }
    }
}

/// What a 3D model holds.
#[derive(SimpleObject)]
pub(crate) struct ModelFacts {
    /// `gltf`, `glb`, `obj` or `stl`.
    format: String,
    vertex_count: u64,
    triangle_count: u64,
    mesh_count: u32,
    material_count: u32,
    texture_count: u32,
    generator: Option<String>,
}

impl From<&ModelMetadata> for ModelFacts {
    fn from(m: &ModelMetadata) -> Self {
        Self {
            format: m.format.clone(),
            vertex_count: m.vertex_count,
            triangle_count: m.triangle_count,
            mesh_count: m.mesh_count,
            material_count: m.material_count,
            texture_count: m.texture_count,
            generator: m.generator.clone(),
        }
    }
}
