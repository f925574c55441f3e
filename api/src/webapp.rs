//! The demo web app: plain ES modules and CSS from `api/web/`, embedded in
//! release builds (read from disk in debug builds, so edits show on reload).
//! It speaks only the public GraphQL API, like any other client.
use actix_web::http::header::{self, EntityTag, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "web/"]
struct WebApp;

/// Only our own scripts and styles; the app talks to its own origin only
/// (`'self'` covers its WebSocket) and may not be framed.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     media-src 'self' https:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

pub async fn index(req: HttpRequest) -> HttpResponse {
    serve(&req, "index.html")
}

pub async fn asset(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    serve(&req, &format!("assets/{}", path.into_inner()))
}

/// A demo item's scene (`seed::scenes`): public, like the catalogue it is
/// written from, and the same for every release of the catalogue.
pub async fn demo_scene(name: web::Path<String>) -> HttpResponse {
    let Some(scene) = crate::seed::scenes::by_file_name(&name) else {
        return HttpResponse::NotFound().content_type("text/plain; charset=utf-8").body("Not found");
    };
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400")))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .json(scene)
}

/// Serves one embedded file, revalidated by its content hash so a new
/// release is picked up at once while unchanged files cost a 304.
fn serve(req: &HttpRequest, path: &str) -> HttpResponse {
    let Some(file) = WebApp::get(path) else {
        return HttpResponse::NotFound().content_type("text/plain; charset=utf-8").body("Not found");
    };
    let tag = EntityTag::new_strong(hex(&file.metadata.sha256_hash()));
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|candidate| candidate.trim() == tag.to_string()));
    let mut response = if unchanged { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    response
        .insert_header((header::ETAG, tag))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .insert_header((header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .insert_header((header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY)));
    if unchanged {
        return response.finish();
    }
    response.content_type(content_type(file.metadata.mimetype())).body(file.data.into_owned())
}

/// Text types say their charset, so Vietnamese never turns into mojibake.
fn content_type(mime: &str) -> String {
    if mime.starts_with("text/") || mime.ends_with("javascript") || mime.ends_with("json") {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_owned()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
