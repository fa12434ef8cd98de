//! The gateway over plain `ws://` with text frames: Hello, IDENTIFY -> READY + GUILD_CREATE
//! (of the guilds the identified shard owns), heartbeats, RESUME, then whatever the test
//! dispatches.

use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State as AxumState;
use axum::response::Response;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::{model, Identified, Session, Shared};

/// What a session's connection task should send.
#[derive(Debug)]
pub(super) enum Outgoing {
    Text(String),
    /// Close the connection with this code and reason, as Discord does on a bad IDENTIFY.
    Close(u16, &'static str),
}

const HEARTBEAT_INTERVAL_MS: u64 = 41_250;

pub(super) async fn upgrade(AxumState(shared): AxumState<Arc<Shared>>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| serve(shared, socket))
}

async fn serve(shared: Arc<Shared>, mut socket: WebSocket) {
    let hello = json!({"op": 10, "s": null, "t": null, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}});
    if socket
        .send(Message::Text(hello.to_string().into()))
        .await
        .is_err()
    {
        return;
    }
    let (tx, mut rx) = mpsc::unbounded_channel();
    // The session this connection identified or resumed, once it has.
    let mut session_id: Option<String> = None;
    loop {
        tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    let Ok(frame) = serde_json::from_str::<Value>(text.as_str()) else {
                        // Discord closes with 4002 "decode error".
                        let close = CloseFrame { code: 4002, reason: "Error while decoding payload.".into() };
                        let _closed = socket.send(Message::Close(Some(close))).await;
                        break;
                    };
                    on_frame(&shared, &frame, &tx, &mut session_id);
                },
                Some(Ok(Message::Close(frame))) => {
                    // A clean close (1000) ends the session, as on Discord; others may resume.
                    let clean = frame.is_some_and(|f| f.code == 1000 || f.code == 1001);
                    if let (true, Some(id)) = (clean, &session_id) {
                        shared.lock().sessions.remove(id);
                        session_id = None;
                    }
                    // Read on rather than break: the next read sends the close frame
                    // back, as Discord does, and then ends the stream. Dropping the
                    // socket instead leaves the bot waiting for that echo.
                },
                Some(Ok(_)) => {},
                Some(Err(_)) | None => break,
            },
            outgoing = rx.recv() => match outgoing {
                Some(Outgoing::Text(text)) => {
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                },
                Some(Outgoing::Close(code, reason)) => {
                    let close = CloseFrame { code, reason: reason.into() };
                    // The bot may have gone already; either way this connection ends.
                    let _closed = socket.send(Message::Close(Some(close))).await;
                    break;
                },
                None => break,
            },
        }
    }
    if let Some(id) = session_id {
        if let Some(session) = shared.lock().sessions.get_mut(&id) {
            session.tx = None;
        }
    }
    shared.notify();
}

fn on_frame(
    shared: &Shared,
    frame: &Value,
    tx: &mpsc::UnboundedSender<Outgoing>,
    session_id: &mut Option<String>,
) {
    let send = |value: Value| {
        // The connection task owns the receiver; if it is gone there is no one to tell.
        let _gone = tx.send(Outgoing::Text(value.to_string()));
    };
    match frame.get("op").and_then(Value::as_u64) {
        // Heartbeat -> Heartbeat ACK.
        Some(1) => send(json!({"op": 11, "s": null, "t": null, "d": null})),
        Some(2) => {
            let Some(shard) = identify_shard(frame) else {
                // Discord's close code for a shard id not below the shard count.
                let _gone = tx.send(Outgoing::Close(4010, "Invalid shard."));
                return;
            };
            let mut state = shared.lock();
            state.identifies += 1;
            let id = format!("fake-session-{}", state.next_id());
            let session = Session {
                seq: 0,
                tx: None,
                shard,
            };
            let owned: Vec<u64> = state
                .guilds
                .keys()
                .copied()
                .filter(|g| session.owns(Some(*g)))
                .collect();
            state.sessions.insert(id.clone(), session);
            let at = tokio::time::Instant::now();
            state.identified.push(Identified {
                session_id: id.clone(),
                shard,
                at,
            });
            let guilds: Vec<Value> = owned
                .iter()
                .map(|g| json!({"id": g.to_string(), "unavailable": true}))
                .collect();
            let ready = json!({
                "v": 10,
                "user": model::current_user(&state.bot),
                "guilds": guilds,
                "session_id": id,
                "resume_gateway_url": format!("{}/ws", shared.base_url.replacen("http://", "ws://", 1)),
                "shard": shard,
                "application": {"id": state.application_id.to_string(), "flags": 0},
            });
            let guild_creates: Vec<Value> = owned
                .iter()
                .filter_map(|g| state.guilds.get(g))
                .map(|g| model::guild(&state, g))
                .collect();
            // Only this connection gets its READY and GUILD_CREATEs.
            let session = state.sessions.get_mut(&id).expect("just inserted");
            for (event, data) in std::iter::once(("READY", ready))
                .chain(guild_creates.into_iter().map(|g| ("GUILD_CREATE", g)))
            {
                session.seq += 1;
                send(json!({"op": 0, "s": session.seq, "t": event, "d": data}));
            }
            session.tx = Some(tx.clone());
            *session_id = Some(id);
        }
        Some(6) => {
            let mut state = shared.lock();
            state.resumes += 1;
            let wanted = frame
                .pointer("/d/session_id")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            match state.sessions.get_mut(&wanted) {
                Some(session) => {
                    session.seq += 1;
                    send(json!({"op": 0, "s": session.seq, "t": "RESUMED", "d": {}}));
                    session.tx = Some(tx.clone());
                    *session_id = Some(wanted);
                }
                // Invalid session, not resumable.
                None => send(json!({"op": 9, "s": null, "t": null, "d": false})),
            }
        }
        _ => {}
    }
    shared.notify();
}

/// IDENTIFY's `shard: [shard_id, num_shards]`; none is shard 0 of 1. `None` when it
/// names a shard Discord would refuse (not below the count, or a count of 0).
fn identify_shard(frame: &Value) -> Option<[u64; 2]> {
    let Some(shard) = frame.pointer("/d/shard").filter(|s| !s.is_null()) else {
        return Some([0, 1]);
    };
    let pair = shard.as_array()?;
    let (shard_id, num_shards) = match pair.as_slice() {
        [id, num] => (id.as_u64()?, num.as_u64()?),
        _ => return None,
    };
    (num_shards > 0 && shard_id < num_shards).then_some([shard_id, num_shards])
}
