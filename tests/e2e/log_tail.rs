//! The live tail of request logs over graphql-transport-ws: filtered on the
//! server, and across replicas on PostgreSQL. Each stream is confirmed
//! attached by repeating the trigger until its first event, never by sleeping.

use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::{
    blog::Blog,
    common::{Socket, TestServer, open_socket, until_each_streams, until_first_event},
};

const TAIL: &str = "subscription($e: String!, $f: RequestLogFilter) { requestLogTail(environment: $e, filter: $f) { id router status path method } }";

async fn viewer_socket(server: &TestServer, blog: &Blog) -> Socket {
    let token =
        blog.owner.run("mutation { createApiToken(input: { name: \"tail\", role: VIEWER }) { token } }", json!({})).await.data()["createApiToken"]["token"]
            .as_str()
            .unwrap()
            .to_owned();
    open_socket(server, None, json!({ "token": token })).await
}

async fn subscribe(socket: &mut Socket, id: &str, filter: Value) {
    let start = json!({ "id": id, "type": "subscribe", "payload": { "query": TAIL, "variables": { "e": "test", "f": filter } } });
    socket.send(Message::text(start.to_string())).await.unwrap();
}

#[tokio::test]
async fn a_filtered_tail_receives_only_its_routers_records() {
    let blog = Blog::start().await;
    let mut socket = viewer_socket(&blog.server, &blog).await;
    subscribe(&mut socket, "all", json!(null)).await;
    subscribe(&mut socket, "lists", json!({ "router": "listPosts" })).await;
    // Each attempt calls getPost first, then listPosts: a tail that let
    // getPost through would see it first.
    let first = until_each_streams(&mut socket, &["all", "lists"], |_| async {
        blog.call("GET", "/posts/987654", None, None).await;
        blog.call("GET", "/posts", None, None).await;
    })
    .await;
    let lists = &first["lists"]["payload"]["data"]["requestLogTail"];
    assert_eq!((lists["router"].as_str(), lists["status"].as_u64(), lists["path"].as_str()), (Some("listPosts"), Some(200), Some("/posts")));
    let all = &first["all"]["payload"]["data"]["requestLogTail"];
    assert!(all["router"] == "getPost" || all["router"] == "listPosts", "{all}");
}

#[tokio::test]
async fn the_tail_refuses_where_logs_are_off() {
    let blog = Blog::start().await;
    let mut socket = viewer_socket(&blog.server, &blog).await;
    let start = json!({ "id": "p", "type": "subscribe", "payload": { "query": TAIL, "variables": { "e": "production" } } });
    socket.send(Message::text(start.to_string())).await.unwrap();
    let answer = crate::common::next_json(&mut socket).await;
    assert_eq!(answer["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN", "{answer}");
    assert!(answer["payload"]["errors"][0]["message"].as_str().unwrap().contains("request logs are off"), "{answer}");
}

#[tokio::test]
async fn a_tail_on_one_replica_shows_requests_served_by_another() {
    let blog = Blog::start().await;
    if !blog.server.config.is_postgres() {
        // One process on SQLite: there is no other replica to hear from.
        return;
    }
    let other = blog.server.replica().await;
    let mut socket = viewer_socket(&other, &blog).await;
    subscribe(&mut socket, "tail", json!({ "router": "getPost" })).await;
    // Requests go to the first replica only; the tail is on the other.
    let event = until_first_event(&mut socket, |_| async {
        blog.call("GET", "/posts/13579", None, None).await;
    })
    .await;
    let record = &event["payload"]["data"]["requestLogTail"];
    assert_eq!((record["router"].as_str(), record["path"].as_str(), record["status"].as_u64()), (Some("getPost"), Some("/posts/13579"), Some(404)));
}
