//! GraphQL over WebSocket (`graphql-transport-ws`), authorised per operation.
//!
//! The token arrives once, in `connection_init`, but nothing is decided
//! then: every operation resolves the caller afresh (token, session, role,
//! settings, clock) and gets its own policy, exactly as an HTTP request does.
//! A watchdog closes the socket with 4401 soon after its session ends, and
//! sockets that never initialise are closed after 10 seconds.
use std::collections::HashSet;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header::{HeaderValue, SEC_WEBSOCKET_PROTOCOL};
use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{CloseCode, CloseReason, Message, ProtocolError};
use async_graphql::http::{WebSocket, WebSocketProtocols, WsMessage};
use async_graphql::parser::types::OperationType;
use async_graphql::{Data, Executor, Request, Response};
use futures_util::stream::{self, BoxStream};
use futures_util::{FutureExt, StreamExt};
use tokio::sync::{OnceCell, mpsc};
use tracing::Instrument;

use crate::auth::{Caller, resolve_caller};
use crate::error::AppError;
use crate::graphql::{self, AppSchema, Credential};
use crate::metrics::SocketGauge;
use crate::state::AppState;
use crate::telemetry::RequestId;

/// The one subprotocol spoken: the legacy `graphql-ws` has other message
/// types, which the operation cap would not see.
pub const PROTOCOL: &str = "graphql-transport-ws";
/// How long an anonymous socket may stay open without an operation, on the
/// app's clock.
pub const ANONYMOUS_IDLE: chrono::TimeDelta = chrono::TimeDelta::minutes(5);
/// Operations one socket may run at once.
pub const MAX_OPERATIONS: usize = 20;
/// How long a socket may stay open without `connection_init`.
pub const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// How often an authenticated socket's session is checked; the contract
/// promises a close within 5 seconds of the session ending.
pub const SESSION_CHECK: Duration = Duration::from_secs(2);

/// What one socket knows: the credential from `connection_init`, once given.
#[derive(Default)]
struct SocketState {
    credential: OnceCell<Credential>,
}

/// Runs each operation of one socket with a caller resolved for it alone.
#[derive(Clone)]
struct SocketExecutor {
    schema: AppSchema,
    state: AppState,
    socket: Arc<SocketState>,
    address: Option<String>,
    /// The id of the upgrade request: the socket's operations log under it.
    request_id: Option<RequestId>,
}

/// Whether the operation that runs is a subscription. The parse is kept in
/// the request, and the document checks and execution reuse it.
fn is_subscription(request: &mut Request) -> bool {
    let name = request.operation_name.clone();
    let Ok(document) = request.parsed_query() else { return false };
    graphql::input::selected_operation(document, name.as_deref())
        .is_some_and(|operation| operation.node.ty == OperationType::Subscription)
}

impl SocketExecutor {
    /// The request with its operation's data and the client's turn, or the
    /// refusal of a caller who is not signed in and has used up their
    /// address's anonymous share, or whose client has too many running.
    async fn prepare(&self, mut request: Request) -> Result<(Request, Option<crate::clients::Turn>), Response> {
        let credential = self.socket.credential.get().cloned().unwrap_or_default();
        // The operation's one reading of the clock: the caller, the policy
        // and every resolver see this moment.
        let now = self.state.now();
        let caller = resolve_caller(&self.state.db, &self.state.tokens, now, credential.0.as_deref()).await;
        if let Some(refusal) = crate::http::anonymous_refusal(&self.state, &caller, self.address.as_deref()) {
            return Err(crate::http::refused(&refusal));
        }
        let turn = crate::http::client_turn(&self.state, &caller, self.address.as_deref())
            .await
            .map_err(|refusal| crate::http::refused(&refusal))?;
        let mut data = graphql::operation_data(&self.state, caller, self.address.clone(), now);
        data.insert(credential);
        request.data = data;
        Ok((request, turn))
    }
}

impl Executor for SocketExecutor {
    async fn execute(&self, request: Request) -> Response {
        match self.prepare(request).await {
            Ok((request, _turn)) => {
                let limit = self.state.settings.request_timeout;
                crate::http::execute(&self.schema, request, limit, self.request_id.as_ref()).await
            }
            Err(refusal) => refusal,
        }
    }

    fn execute_stream(&self, mut request: Request, _session: Option<Arc<Data>>) -> BoxStream<'static, Response> {
        let this = self.clone();
        async move {
            this.schema.parse(&mut request);
            if is_subscription(&mut request) {
                // A subscription holds no turn: the socket's operation cap bounds it.
                match this.prepare(request).await {
                    Ok((request, _)) => {
                        let id = this.request_id.clone();
                        this.schema
                            .execute_stream(request)
                            .map(move |event| crate::http::finish(event, id.as_ref()))
                            .boxed()
                    }
                    Err(refusal) => stream::once(async move { refusal }).boxed(),
                }
            } else {
                let response = this.execute(request).await;
                stream::once(async move { response }).boxed()
            }
        }
        .flatten_stream()
        .boxed()
    }
}

/// Answers the upgrade and serves the socket in the background.
pub async fn graphql_ws(
    state: web::Data<AppState>,
    schema: web::Data<AppSchema>,
    req: HttpRequest,
    body: web::Payload,
) -> actix_web::Result<HttpResponse> {
    let protocol = req
        .headers()
        .get(SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .and_then(|list| list.split(',').map(str::trim).find(|p| *p == PROTOCOL))
        .and_then(|p| WebSocketProtocols::from_str(p).ok())
        .ok_or_else(|| actix_web::error::ErrorBadRequest("Use the graphql-transport-ws protocol"))?;
    let (mut response, session, messages) = actix_ws::handle(&req, body)?;
    response.headers_mut().insert(SEC_WEBSOCKET_PROTOCOL, HeaderValue::from_static(protocol.sec_websocket_protocol()));
    let executor = SocketExecutor {
        schema: AppSchema::clone(&schema),
        state: state.get_ref().clone(),
        socket: Arc::new(SocketState::default()),
        address: crate::http::client_address(&req, &state),
        request_id: RequestId::of(&req),
    };
    let span =
        tracing::info_span!("websocket", request_id = executor.request_id.as_ref().map_or("", RequestId::as_str));
    actix_web::rt::spawn(serve(executor, protocol, session, messages).instrument(span));
    Ok(response)
}

fn close(code: u16, description: &str) -> Option<CloseReason> {
    Some(CloseReason { code: CloseCode::Other(code), description: Some(description.to_owned()) })
}

async fn serve(
    executor: SocketExecutor,
    protocol: WebSocketProtocols,
    mut session: actix_ws::Session,
    mut messages: actix_ws::MessageStream,
) {
    // Room for every operation a socket may run and more: the loop below
    // waits on a full channel, and only the same loop drains it, so a
    // channel smaller than a burst of admitted messages stalls the socket.
    let (to_graphql, from_client) = mpsc::channel::<Vec<u8>>(4 * MAX_OPERATIONS);
    let socket = executor.socket.clone();
    let address_key = format!("address:{}", executor.address.as_deref().unwrap_or("unknown"));
    let state = executor.state.clone();
    let init_socket = socket.clone();
    let incoming = stream::unfold(from_client, |mut rx| async move { rx.recv().await.map(|bytes| (bytes, rx)) });
    let mut graphql = WebSocket::new(executor, incoming, protocol)
        .on_connection_init(move |payload| async move {
            // Nothing is decided here: a bad token fails each operation
            // with UNAUTHENTICATED, and the watchdog closes the socket.
            let credential = Credential(payload.get("authorization").and_then(|v| v.as_str()).map(str::to_owned));
            let _ = init_socket.credential.set(credential);
            Ok(Data::default())
        })
        .boxed();
    let opened = tokio::time::Instant::now();
    // Counted under its address until it signs in, then under its account.
    let Some(mut slot) = state.sockets.take(address_key, crate::clients::MAX_ANONYMOUS_SOCKETS) else {
        crate::metrics::rate_limited("sockets");
        let _ = session.close(close(4429, "Too many sockets from this address")).await;
        return;
    };
    let mut signed_in = false;
    let mut last_operation = state.now();
    // The first check comes one period in: an operation sent right after
    // `connection_init` is answered (and refused) on its own terms.
    let mut checks = tokio::time::interval_at(opened + SESSION_CHECK, SESSION_CHECK);
    // Operations started and not yet complete, by the client's id.
    let mut running = Operations::default();
    let mut gauge = SocketGauge::open();
    let reason = loop {
        gauge.set_operations(running.0.len());
        tokio::select! {
            () = state.shutdown.begun() => {
                break Some(CloseReason { code: CloseCode::Away, description: Some("The server is restarting".into()) });
            },
            incoming = messages.next() => {
                let bytes = match incoming {
                    Some(Ok(Message::Text(text))) => text.as_bytes().to_vec(),
                    Some(Ok(Message::Binary(bytes))) => bytes.to_vec(),
                    Some(Ok(Message::Ping(bytes))) => {
                        if session.pong(&bytes).await.is_err() { return; }
                        continue;
                    }
                    Some(Err(ProtocolError::Overflow)) => break close(1009, "The message is too big"),
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break None,
                    Some(Ok(_)) => continue,
                };
                match running.admit(&bytes) {
                    Admission::Forward => {
                        if !running.0.is_empty() { last_operation = state.now(); }
                        if to_graphql.send(bytes).await.is_err() { break None; }
                    }
                    Admission::Refuse(answer) => {
                        if session.text(answer).await.is_err() { return; }
                    }
                    Admission::Close(code, description) => break close(code, description),
                }
            },
            outgoing = graphql.next() => match outgoing {
                Some(WsMessage::Text(text)) => {
                    running.observe(&text);
                    if session.text(text).await.is_err() { return; }
                    if !signed_in && let Some(Credential(Some(credential))) = socket.credential.get() {
                        let caller = resolve_caller(&state.db, &state.tokens, state.now(), Some(credential)).await;
                        if let Some(viewer) = caller.viewer().ok().flatten() {
                            let account = format!("user:{}", viewer.user.id);
                            match state.sockets.take(account, crate::clients::MAX_ACCOUNT_SOCKETS) {
                                Some(account_slot) => slot = account_slot,
                                None => {
                                    crate::metrics::rate_limited("sockets");
                                    break close(4429, "Too many sockets for this account");
                                }
                            }
                            signed_in = true;
                        }
                    }
                }
                Some(WsMessage::Close(code, description)) => break close(code, &description),
                None => break None,
            },
            _ = checks.tick() => match socket.credential.get() {
                None if opened.elapsed() >= INIT_TIMEOUT => break close(4408, "Connection initialisation timeout"),
                _ if !signed_in && running.0.is_empty() && state.now() - last_operation >= ANONYMOUS_IDLE => {
                    break Some(CloseReason { code: CloseCode::Normal, description: Some("Idle".into()) });
                }
                Some(Credential(Some(credential))) => {
                    let caller = resolve_caller(&state.db, &state.tokens, state.now(), Some(credential)).await;
                    if matches!(caller, Caller::Rejected(_)) {
                        break close(4401, "Unauthorized: the session has ended");
                    }
                }
                _ => {}
            },
        }
    };
    let _ = session.close(reason).await;
    drop(slot);
}

/// The ids of a socket's running operations: at most `MAX_OPERATIONS`, and
/// each id once (`graphql-transport-ws` closes with 4409 on a repeat).
#[derive(Default)]
struct Operations(HashSet<String>);

enum Admission {
    Forward,
    /// Answer the client with this message instead.
    Refuse(String),
    Close(u16, &'static str),
}

/// The `type` and `id` of a protocol message, if it has them.
fn kind_and_id(bytes: &[u8]) -> Option<(String, String)> {
    let message: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    Some((message.get("type")?.as_str()?.to_owned(), message.get("id")?.as_str()?.to_owned()))
}

impl Operations {
    /// What to do with a message from the client.
    fn admit(&mut self, bytes: &[u8]) -> Admission {
        match kind_and_id(bytes) {
            Some((kind, id)) if kind == "subscribe" => {
                if self.0.contains(&id) {
                    return Admission::Close(4409, "Subscriber for this id already exists");
                }
                if self.0.len() >= MAX_OPERATIONS {
                    crate::metrics::rate_limited("socket_operations");
                    let refusal = AppError::RateLimited {
                        message: format!("A socket may run at most {MAX_OPERATIONS} operations at once"),
                        retry_after_seconds: 1,
                    };
                    let error = serde_json::json!({ "message": refusal.message(),
                        "extensions": { "code": refusal.code(), "retryAfterSeconds": 1 } });
                    return Admission::Refuse(
                        serde_json::json!({ "id": id, "type": "error", "payload": [error] }).to_string(),
                    );
                }
                self.0.insert(id);
                Admission::Forward
            }
            Some((kind, id)) if kind == "complete" => {
                self.0.remove(&id);
                Admission::Forward
            }
            _ => Admission::Forward,
        }
    }

    /// Notes the operations the server has finished.
    fn observe(&mut self, text: &str) {
        if let Some((kind, id)) = kind_and_id(text.as_bytes())
            && (kind == "complete" || kind == "error")
        {
            self.0.remove(&id);
        }
    }
}
