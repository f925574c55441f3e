//! The HTTP surface: `/graphql` (POST for operations, GET for GraphiQL),
//! `/healthz` and `/readyz`. Request-level limits are enforced here, before
//! GraphQL sees anything.
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, CONTENT_LENGTH, ContentType};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use async_graphql::{ErrorExtensionValues, ServerError};
use futures_util::{FutureExt, StreamExt};
use sea_orm::DatabaseBackend;
use serde_json::json;

use crate::auth::{Caller, resolve_caller};
use crate::error::AppError;
use crate::graphql::{self, AppSchema, Credential};
use crate::metrics;
use crate::state::AppState;
use crate::telemetry::{Outcome, RequestId};

pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// A request refused before GraphQL execution, answered in GraphQL's shape.
struct Refusal {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl Refusal {
    fn bad_input(message: &str) -> Self {
        Self { status: StatusCode::BAD_REQUEST, code: "BAD_USER_INPUT", message: message.to_owned() }
    }

    fn internal() -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "INTERNAL",
            message: "The response could not be written. Please try again.".to_owned(),
        }
    }

    fn too_large() -> Self {
        Self {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "QUERY_TOO_COMPLEX",
            message: format!("The request body is larger than {} KiB", MAX_BODY_BYTES / 1024),
        }
    }

    fn into_response(self, request_id: Option<&RequestId>) -> (HttpResponse, &'static str) {
        let mut extensions = json!({ "code": self.code });
        if let Some(id) = request_id.filter(|_| self.code == "INTERNAL") {
            extensions["requestId"] = id.as_str().into();
        }
        let body = json!({ "data": null, "errors": [{ "message": self.message, "extensions": extensions }] });
        (HttpResponse::build(self.status).json(body), self.code)
    }
}

/// Reads the body, refusing it as soon as it is known to be too large.
async fn read_body(req: &HttpRequest, mut payload: web::Payload) -> Result<web::Bytes, Refusal> {
    let declared =
        req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > MAX_BODY_BYTES) {
        return Err(Refusal::too_large());
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| Refusal::bad_input("The request body could not be read"))?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(Refusal::too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn parse_request(body: &[u8]) -> Result<async_graphql::Request, Refusal> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| Refusal::bad_input("The request body must be a JSON object"))?;
    if value.is_array() {
        return Err(Refusal::bad_input("Batched requests are not supported: send one operation per request"));
    }
    serde_json::from_value(value).map_err(|_| {
        Refusal::bad_input("Expected a JSON object with `query`, and optionally `variables` and `operationName`")
    })
}

/// Answers one GraphQL request, and leaves its operation and outcome for
/// the request's log line and metrics (`telemetry::track`).
pub async fn graphql_post(
    state: web::Data<AppState>,
    schema: web::Data<AppSchema>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let (response, outcome) = answer(&state, &schema, &req, payload).await;
    req.extensions_mut().insert(outcome);
    response
}

/// `RATE_LIMITED` when a caller who is not signed in (no token, or a bad
/// one: a bad token is no way around the limit) has used up their
/// address's share of anonymous traffic, over HTTP and WebSocket alike.
pub(crate) fn anonymous_refusal(state: &AppState, caller: &Caller, address: Option<&str>) -> Option<AppError> {
    if !matches!(caller, Caller::Anonymous | Caller::Rejected(_)) {
        return None;
    }
    let (limiter, address) = (state.anonymous.as_ref()?, address?);
    let not_until = limiter.check_key(&address.to_owned()).err()?;
    let wait = not_until.wait_time_from(governor::clock::Clock::now(&governor::clock::DefaultClock::default()));
    metrics::rate_limited("anonymous_requests");
    Some(AppError::RateLimited {
        message: "Too many requests from this address; slow down".into(),
        retry_after_seconds: i64::try_from(wait.as_secs()).unwrap_or(60).max(1),
    })
}

/// A response, with what became of the operation.
type Answer = (HttpResponse, Outcome);

fn unparsed((response, code): (HttpResponse, &'static str)) -> Answer {
    (response, Outcome { operation: None, code: code.to_owned() })
}

async fn answer(state: &AppState, schema: &AppSchema, req: &HttpRequest, payload: web::Payload) -> Answer {
    let request_id = RequestId::of(req);
    let body = match read_body(req, payload).await {
        Ok(body) => body,
        Err(refusal) => return unparsed(refusal.into_response(request_id.as_ref())),
    };
    // A header that is not valid text is still a (bad) credential, not anonymity.
    let credential = Credential(req.headers().get(AUTHORIZATION).map(|v| v.to_str().unwrap_or_default().to_owned()));
    let address = client_address(req, state);
    // The operation's one reading of the clock: the caller, the policy and
    // every resolver see this moment.
    let now = state.now();
    let caller = resolve_caller(&state.db, &state.tokens, now, credential.0.as_deref()).await;
    if let Some(refusal) = anonymous_refusal(state, &caller, address.as_deref()) {
        return unparsed((HttpResponse::TooManyRequests().json(refused(&refusal)), refusal.code()));
    }
    let _turn = match client_turn(state, &caller, address.as_deref()).await {
        Ok(turn) => turn,
        Err(refusal) => return unparsed((HttpResponse::TooManyRequests().json(refused(&refusal)), refusal.code())),
    };
    // Anonymous callers all see the same: their queries may be answered from
    // the cache (see `anonymous_cache` for when that is safe).
    let cache = state
        .anonymous_cache
        .as_ref()
        .filter(|cache| credential.0.is_none() && cache.accepts(&body))
        .filter(|_| state.db.get_database_backend() != DatabaseBackend::Postgres || state.changes.is_listening());
    let data_version = state.changes.data_version();
    if let Some((response, operation)) = cache.and_then(|cache| cache.get(&body, data_version, now)) {
        return (json_response(response), Outcome { operation, code: OK.to_owned() });
    }
    let mut request = match parse_request(&body) {
        Ok(request) => request,
        Err(refusal) => return unparsed(refusal.into_response(request_id.as_ref())),
    };
    schema.parse(&mut request);
    let operation = operation_name(&mut request);
    let only_queries = cache.is_some() && is_query(&mut request);
    request.data = graphql::operation_data(state, caller, address, now);
    request.data.insert(credential);
    let response = execute(schema, request, state.settings.request_timeout, request_id.as_ref()).await;
    let code = outcome_code(&response);
    let Ok(json) = serde_json::to_vec(&response) else {
        let (response, code) = Refusal::internal().into_response(request_id.as_ref());
        return (response, Outcome { operation, code: code.to_owned() });
    };
    let json = web::Bytes::from(json);
    if let Some(cache) = cache.filter(|_| only_queries && response.is_ok() && response.http_headers.is_empty()) {
        cache.put(body, data_version, state.now(), json.clone(), operation.clone());
    }
    (json_response(json), Outcome { operation, code })
}

/// The outcome of an operation that ran to the end.
const OK: &str = "OK";

/// `OK`, or the first error's code.
fn outcome_code(response: &async_graphql::Response) -> String {
    let code = response.errors.first().map(|error| error.extensions.as_ref().and_then(|ext| ext.get("code")));
    match code {
        None => OK.to_owned(),
        Some(Some(async_graphql::Value::String(code))) => code.clone(),
        Some(_) => "INTERNAL".to_owned(),
    }
}

/// What the operation to run asks for first: its first root field, when it
/// is one the schema has. Logs and metrics name operations by it, so their
/// labels come from a set the server knows, however clients name things.
fn operation_name(request: &mut async_graphql::Request) -> Option<Arc<str>> {
    use async_graphql::parser::types::Selection;
    let wanted = request.operation_name.clone();
    let document = request.parsed_query().ok()?;
    let operation = graphql::input::selected_operation(document, wanted.as_deref())?;
    let first = operation.node.selection_set.node.items.iter().find_map(|item| match &item.node {
        Selection::Field(field) => Some(field.node.name.node.as_str()),
        _ => None,
    })?;
    graphql::root_fields().get(first).cloned()
}

fn json_response(body: web::Bytes) -> HttpResponse {
    HttpResponse::Ok().content_type(ContentType::json()).body(body)
}

/// Whether the request parses to one query operation (never a mutation or a
/// subscription); parsed once, the schema reuses it.
fn is_query(request: &mut async_graphql::Request) -> bool {
    use async_graphql::parser::types::{DocumentOperations, OperationType};
    let Ok(document) = request.parsed_query() else { return false };
    match &document.operations {
        DocumentOperations::Single(operation) => operation.node.ty == OperationType::Query,
        DocumentOperations::Multiple(operations) => {
            operations.values().all(|operation| operation.node.ty == OperationType::Query)
        }
    }
}

/// Runs one operation under the time limit; a panic becomes `INTERNAL`.
/// `INTERNAL` errors carry the request's id, for the user to quote.
/// At most this many errors are answered one by one.
const MAX_ERRORS: usize = 20;

pub(crate) async fn execute(
    schema: &AppSchema,
    request: async_graphql::Request,
    limit: Duration,
    request_id: Option<&RequestId>,
) -> async_graphql::Response {
    let run = std::panic::AssertUnwindSafe(schema.execute(request)).catch_unwind();
    let response = match tokio::time::timeout(limit, run).await {
        Ok(Ok(response)) => response,
        Ok(Err(_)) => {
            let err = AppError::internal("a resolver panicked");
            tracing::error!("{err:?}");
            error_response(err.code(), &err.message())
        }
        Err(_) => {
            tracing::warn!(?limit, "request stopped by the time limit");
            error_response("INTERNAL", "The request took too long and was stopped. Please try again.")
        }
    };
    finish(response, request_id)
}

/// Every answer's errors, over HTTP and WebSocket, subscriptions' events
/// included: each with its code (and the request id when `INTERNAL`), and
/// at most `MAX_ERRORS` of them one by one.
pub(crate) fn finish(mut response: async_graphql::Response, request_id: Option<&RequestId>) -> async_graphql::Response {
    for error in &mut response.errors {
        classify(error);
        let extensions = error.extensions.get_or_insert_with(ErrorExtensionValues::default);
        if let (Some(async_graphql::Value::String(code)), Some(id)) = (extensions.get("code"), request_id)
            && code == "INTERNAL"
        {
            extensions.set("requestId", id.as_str());
        }
    }
    // A document can name thousands of unknown arguments or fields, each an
    // error: an answer a hundred times the request's size. The first ones
    // say what is wrong; the rest are counted.
    if response.errors.len() > MAX_ERRORS {
        let left_out = response.errors.len() - MAX_ERRORS;
        response.errors.truncate(MAX_ERRORS);
        let mut more = ServerError::new(format!("{left_out} more errors left out"), None);
        let mut extensions = ErrorExtensionValues::default();
        let code = response.errors.last().and_then(|e| e.extensions.as_ref()?.get("code").cloned());
        extensions.set("code", code.unwrap_or_else(|| async_graphql::Value::from("BAD_USER_INPUT")));
        extensions.set("leftOut", left_out as u64);
        more.extensions = Some(extensions);
        response.errors.push(more);
    }
    response
}

/// An `AppError` as a whole GraphQL response, extensions included.
pub(crate) fn refused(err: &AppError) -> async_graphql::Response {
    use async_graphql::ErrorExtensions as _;
    async_graphql::Response::from_errors(vec![
        crate::error::ApiError(err.clone()).extend().into_server_error(async_graphql::Pos::default()),
    ])
}

/// The client's address, as per-address limits count it (see
/// `clients::address_key`): the last entry of the trusted proxy's header
/// when one is configured and the request has it (the proxy appends what it
/// saw), the peer otherwise, so a request that skips the proxy is still
/// counted. Only a well-formed address is taken from the header.
pub fn client_address(req: &HttpRequest, state: &AppState) -> Option<String> {
    let from_proxy = state.settings.trusted_proxy_header.as_ref().and_then(|header| {
        let value = req.headers().get(header.as_str())?.to_str().ok()?;
        value.rsplit(',').next()?.trim().parse::<std::net::IpAddr>().ok()
    });
    from_proxy.or_else(|| req.peer_addr().map(|peer| peer.ip())).map(crate::clients::address_key)
}

/// Whom a request's turn counts against: a signed-in account, or else its
/// client address.
pub(crate) fn client_key(caller: &Caller, address: Option<&str>) -> Option<String> {
    match caller.viewer().ok().flatten() {
        Some(viewer) => Some(format!("user:{}", viewer.user.id)),
        None => address.map(|address| format!("address:{address}")),
    }
}

/// Waits for the client's turn (see `clients`); `RATE_LIMITED` when too
/// many of its requests are running and waiting already.
pub(crate) async fn client_turn(
    state: &AppState,
    caller: &Caller,
    address: Option<&str>,
) -> Result<Option<crate::clients::Turn>, AppError> {
    match client_key(caller, address) {
        Some(key) => state.concurrency.turn(&key, state.settings.request_timeout).await.map(Some),
        None => Ok(None),
    }
}

fn error_response(code: &str, message: &str) -> async_graphql::Response {
    let mut error = ServerError::new(message, None);
    error.extensions.get_or_insert_with(ErrorExtensionValues::default).set("code", code);
    async_graphql::Response::from_errors(vec![error])
}

/// Errors raised by async-graphql itself (parsing, validation, limits) carry
/// no code; give them the contract's.
fn classify(error: &mut ServerError) {
    let extensions = error.extensions.get_or_insert_with(ErrorExtensionValues::default);
    if extensions.get("code").is_some() {
        return;
    }
    let message = error.message.as_str();
    if message.contains("nested too deep") || message.contains("too complex") || message.contains("recursion depth") {
        extensions.set("code", "QUERY_TOO_COMPLEX");
        return;
    }
    extensions.set("code", "BAD_USER_INPUT");
    if let Some(field) = message.split("argument \"").nth(1).and_then(|rest| rest.split('"').next()) {
        extensions.set("fields", json_to_value(json!({ field: [message] })));
    }
}

fn json_to_value(value: serde_json::Value) -> async_graphql::Value {
    async_graphql::Value::from_json(value).unwrap_or_default()
}

/// GraphiQL, for development (see the file's first line).
const GRAPHIQL_PAGE: &str = include_str!("graphiql.html");

pub async fn graphiql(state: web::Data<AppState>) -> HttpResponse {
    if state.settings.is_production() {
        return HttpResponse::NotFound().finish();
    }
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(GRAPHIQL_PAGE)
}

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// Ready only while the database answers and the instance is not stopping.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if state.shutdown.has_begun() {
        return HttpResponse::ServiceUnavailable().json(json!({ "status": "stopping" }));
    }
    match tokio::time::timeout(Duration::from_secs(2), state.db.ping()).await {
        Ok(Ok(())) => HttpResponse::Ok().json(json!({ "status": "ready" })),
        _ => HttpResponse::ServiceUnavailable().json(json!({ "status": "unavailable", "database": "down" })),
    }
}

/// Asks the server listening on `listen_addr` (this host) whether it is
/// ready, over plain HTTP/1.0 so that no client library is needed.
pub fn probe_ready(listen_addr: &str) -> Result<(), String> {
    use std::io::{Read, Write};
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, ToSocketAddrs};
    let mut target = listen_addr
        .to_socket_addrs()
        .ok()
        .and_then(|mut addresses| addresses.next())
        .ok_or_else(|| format!("LISTEN_ADDR {listen_addr:?} is not host:port"))?;
    // Listening on every address: ask through the loopback of its family.
    if target.ip().is_unspecified() {
        target.set_ip(match target.ip() {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
        });
    }
    let timeout = Duration::from_secs(3);
    let mut stream = std::net::TcpStream::connect_timeout(&target, timeout).map_err(|e| format!("{target}: {e}"))?;
    stream.set_read_timeout(Some(timeout)).map_err(|e| e.to_string())?;
    stream.write_all(b"GET /readyz HTTP/1.0\r\nHost: localhost\r\n\r\n").map_err(|e| e.to_string())?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).map_err(|e| e.to_string())?;
    let status = answer.lines().next().unwrap_or_default();
    if status.split_whitespace().nth(1) == Some("200") { Ok(()) } else { Err(format!("not ready: {status}")) }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};

    use super::probe_ready;

    /// A one-request server on `ip` answering with `status`.
    fn answer_once(ip: &str, status: &'static str) -> String {
        let listener = std::net::TcpListener::bind((ip, 0)).unwrap();
        let address = listener.local_addr().unwrap().to_string();
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = [0u8; 256];
            let _ = stream.read(&mut request).unwrap();
            stream.write_all(format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\n\r\n").as_bytes()).unwrap();
        });
        address
    }

    #[test]
    fn the_health_check_asks_the_address_the_server_listens_on() {
        assert!(probe_ready(&answer_once("127.0.0.2", "200 OK")).is_ok());
        let unspecified = answer_once("127.0.0.1", "200 OK").replace("127.0.0.1", "0.0.0.0");
        assert!(probe_ready(&unspecified).is_ok());
        let stopping = probe_ready(&answer_once("127.0.0.1", "503 Service Unavailable")).unwrap_err();
        assert!(stopping.contains("503"), "{stopping}");
        assert!(probe_ready("no port").is_err());
    }
}
