//! Logs and request ids. Every HTTP request runs in one span carrying its
//! request id (the client's `x-request-id` when it is a sane one, else a new
//! UUID) and, for GraphQL, the operation's name and outcome code. The id is
//! echoed in the `x-request-id` response header and in `INTERNAL` errors, so
//! a user's report leads to the log lines of that request.
//!
//! Nothing here logs headers, bodies, variables or query strings: tokens,
//! passwords and email addresses travel only there.
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest};
use tracing::field::Empty;
use tracing::{Level, Span};
use tracing_actix_web::{DefaultRootSpanBuilder, RootSpanBuilder};
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, fmt};

use crate::config::LogFormat;
use crate::metrics;

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");
/// Longer client ids are replaced: they would only bloat every log line.
const MAX_REQUEST_ID_LEN: usize = 64;

/// Paths longer than this are cut in the logs: anyone can send one.
const MAX_LOGGED_PATH: usize = 200;

fn truncated(path: &str) -> &str {
    let mut end = path.len().min(MAX_LOGGED_PATH);
    while !path.is_char_boundary(end) {
        end -= 1;
    }
    &path[..end]
}

/// Installs the global subscriber, writing to standard error (standard
/// output is the operator commands' answer); `log` records (actix, sqlx,
/// rustls) are forwarded to it.
pub fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into());
    // SeaORM's trace spans of connecting record the database URL, password
    // included: no log level may show them.
    let no_secrets = filter_fn(|meta| !(meta.target().starts_with("sea_orm::driver") && *meta.level() == Level::TRACE));
    let registry = tracing_subscriber::registry().with(filter);
    let text = || fmt::layer().with_writer(std::io::stderr);
    match format {
        LogFormat::Text => {
            registry.with(text().with_ansi(std::io::stderr().is_terminal()).with_filter(no_secrets)).init()
        }
        LogFormat::Json => registry
            .with(
                text().json().flatten_event(true).with_current_span(true).with_span_list(false).with_filter(no_secrets),
            )
            .init(),
    }
}

/// The id of one HTTP request (or WebSocket connection).
#[derive(Debug, Clone)]
pub struct RequestId(Arc<str>);

impl RequestId {
    /// The client's id when it is 1..=64 of `A-Z a-z 0-9 . _ -` (nothing that
    /// could forge a log line or a field of one), else `generated`.
    fn choose(request: &ServiceRequest, generated: impl FnOnce() -> String) -> Self {
        let given = request
            .headers()
            .get(REQUEST_ID_HEADER)
            .and_then(|value| value.to_str().ok())
            .filter(|id| (1..=MAX_REQUEST_ID_LEN).contains(&id.len()))
            .filter(|id| id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')));
        Self(given.map_or_else(generated, str::to_owned).into())
    }

    /// The id of the request being served, if the middleware gave it one.
    pub fn of(request: &HttpRequest) -> Option<Self> {
        request.extensions().get::<Self>().cloned()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What the GraphQL handler learnt about a request, for its log line and
/// metrics: left in the request's extensions.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The operation's first root field, when the schema has it.
    pub operation: Option<Arc<str>>,
    /// `OK`, or the first error's `extensions.code`.
    pub code: String,
}

/// The request span, with the fields the rest of the request fills in.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let generated =
            || request.extensions().get::<tracing_actix_web::RequestId>().map(ToString::to_string).unwrap_or_default();
        let id = RequestId::choose(request, generated);
        let span = tracing::info_span!(
            "request",
            request_id = %id.as_str(),
            method = %request.method(),
            path = %truncated(request.path()),
            operation = Empty,
            outcome = Empty,
            http.status_code = Empty,
            otel.status_code = Empty,
            exception.message = Empty,
            exception.details = Empty,
        );
        request.extensions_mut().insert(id);
        span
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

/// Runs inside the request span: times the request, writes its one log
/// line, counts it in the metrics and echoes its id.
pub async fn track(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let statements = metrics::StatementCount::default();
    // Handlers turn their errors into responses; an error here comes from a
    // middleware inside this one and is answered by actix as it is.
    let mut response = statements.count_during(next.call(request)).await?;
    let elapsed = started.elapsed();
    let outcome = response.request().extensions().get::<Outcome>().cloned();
    if let Some(Outcome { operation, code }) = &outcome {
        let span = Span::current();
        if let Some(name) = operation {
            span.record("operation", &**name);
        }
        span.record("outcome", code.as_str());
        let label = metrics::operation_label(operation.as_deref());
        metrics::request_finished(label, code, elapsed, statements.total());
    }
    let status = response.status().as_u16();
    let elapsed_ms = elapsed.as_secs_f64() * 1000.0;
    let statements = statements.total();
    // One line per failed request at `info`; successes only at `debug`, so
    // a busy instance does not spend itself writing logs.
    let failed = response.status().is_server_error()
        || response.status().is_client_error()
        || outcome.as_ref().is_some_and(|outcome| outcome.code != "OK");
    if failed {
        tracing::info!(status, elapsed_ms, statements, "request failed");
    } else {
        tracing::debug!(status, elapsed_ms, statements, "request finished");
    }
    if let Some(id) = RequestId::of(response.request())
        && let Ok(value) = HeaderValue::from_str(id.as_str())
    {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    Ok(response)
}
