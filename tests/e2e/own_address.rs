//! An environment served at the root of an address of its own
//! (`env_listen`), next to `/env/{slug}/…` on the main listener.

use reqwest::Client;
use serde_json::{Value, json};

use crate::{
    blog::Blog,
    common::{Options, TestServer},
};

#[tokio::test]
async fn an_environment_answers_at_the_root_of_its_own_address() {
    let server = TestServer::start_with(Options { env_listen: vec!["test", "production"], ..Options::default() }).await;
    let addresses = server.env_addresses.clone();
    let blog = Blog::start_on(server).await;
    let own = |slug: &str| format!("http://{}", addresses.iter().find(|(s, _)| s == slug).expect("bound").1);
    let http = Client::new();

    let (token, _) = blog.user("root@example.com").await;
    let (status, created) = blog.call("POST", "/posts", Some(&token), Some(json!({ "title": "at the root", "published": true }))).await;
    assert_eq!(status.as_u16(), 201);
    let id = created["id"].as_i64().unwrap();

    // The same router, the same row, the same token.
    let response = http.get(format!("{}/posts/{id}", own("test"))).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.json::<Value>().await.unwrap(), created);
    let me = http.get(format!("{}/auth/me", own("test"))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(me.json::<Value>().await.unwrap()["email"], "root@example.com");

    // Errors keep their JSON shape there.
    let missing = http.get(format!("{}/nowhere", own("test"))).send().await.unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    assert_eq!(missing.json::<Value>().await.unwrap()["error"]["code"], "NOT_FOUND");
    let wrong = http.put(format!("{}/posts", own("test"))).send().await.unwrap();
    assert_eq!(wrong.status().as_u16(), 405);

    // Only the environment's API: no admin, no other environment.
    for path in ["/graphql", "/admin/", "/env/test/posts", "/metrics"] {
        let response = http.get(format!("{}{path}", own("test"))).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 404, "{path} is not served on the environment's own address");
    }

    // A row's file URL (the main listener's) serves the file here too; another environment's does not.
    let cover = reqwest::multipart::Part::bytes(b"\x89PNG\r\n\x1a\nimage".to_vec()).file_name("c.png").mime_str("image/png").unwrap();
    let form = reqwest::multipart::Form::new().text("title", "with a cover").text("published", "true").part("cover", cover);
    let posted = http.post(format!("{}/posts", own("test"))).bearer_auth(&token).multipart(form).send().await.unwrap();
    assert_eq!(posted.status().as_u16(), 201);
    let url = posted.json::<Value>().await.unwrap()["cover"]["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with("/env/test/files/posts/"), "{url}");
    let file = http.get(format!("{}{url}", own("test"))).send().await.unwrap();
    assert_eq!(file.status().as_u16(), 200);
    assert_eq!(&file.bytes().await.unwrap()[..], b"\x89PNG\r\n\x1a\nimage");
    let elsewhere = http.get(format!("{}{}", own("test"), url.replacen("/env/test/", "/env/production/", 1))).send().await.unwrap();
    assert_eq!(elsewhere.status().as_u16(), 404);

    // Production serves nothing until something is deployed to it.
    let idle = http.get(format!("{}/posts", own("production"))).send().await.unwrap();
    assert_eq!(idle.status().as_u16(), 503);
    assert_eq!(idle.json::<Value>().await.unwrap()["error"]["code"], "NOT_READY");
}
