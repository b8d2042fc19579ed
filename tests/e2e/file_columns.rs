//! `file` columns through routers: the blog's `posts.cover`, uploaded with
//! `multipart/form-data` beside the other fields, checked against the
//! column's limits before anything is kept, served at the row's file URL to
//! whoever the table's get router returns the row to, and removed with the
//! row or when replaced. Each test runs on local files and on S3.

use reqwest::{
    StatusCode, header,
    multipart::{Form, Part},
};
use serde_json::{Value, json};

use crate::{
    blog::{self, Blog},
    common::{Options, TestServer},
};

on_both_stores!(
    a_cover_uploads_with_the_post_and_downloads_intact,
    limits_refuse_before_anything_is_kept,
    file_urls_follow_the_get_router,
    replacing_or_deleting_removes_the_old_file,
    files_of_cascaded_rows_go_with_them,
);

async fn blog(s3: bool) -> Blog {
    Blog::start_on(TestServer::start_with(Options { s3, ..Options::default() }).await).await
}

fn image(len: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend((0..len.saturating_sub(8)).map(|i| (i * 31 % 251) as u8));
    bytes
}

fn post_form(title: Option<&str>, published: bool, cover: Option<(Vec<u8>, &str, &str)>) -> Form {
    let mut form = Form::new().text("published", published.to_string()).text("body", "with a picture");
    if let Some(title) = title {
        form = form.text("title", title.to_owned());
    }
    if let Some((bytes, name, kind)) = cover {
        form = form.part("cover", Part::bytes(bytes).file_name(name.to_owned()).mime_str(kind).unwrap());
    }
    form
}

async fn send(blog: &Blog, method: &str, path: &str, token: &str, form: Form) -> (StatusCode, Value) {
    let answer = blog.http.request(method.parse().unwrap(), blog.url(path)).bearer_auth(token).multipart(form).send().await.expect("multipart request");
    let status = answer.status();
    (status, answer.json().await.unwrap_or(Value::Null))
}

async fn used_bytes(blog: &Blog) -> u64 {
    blog.owner.run("{ files(environment: \"test\") { usedBytes } }", json!({})).await.data()["files"]["usedBytes"].as_u64().unwrap()
}

async fn a_cover_uploads_with_the_post_and_downloads_intact(s3: bool) {
    let blog = blog(s3).await;
    let (token, _) = blog.user("writer@example.com").await;
    let cover = image(300_000);
    let (status, post) = send(&blog, "POST", "/posts", &token, post_form(Some("Hello"), true, Some((cover.clone(), "sunset.png", "image/png")))).await;
    assert_eq!(status, StatusCode::CREATED, "{post}");
    // The text fields took the schema's types.
    assert_eq!(post["published"], true);
    assert_eq!(post["title"], "Hello");
    let id = post["id"].as_i64().unwrap();
    let file = &post["cover"];
    assert_eq!(file["name"], "sunset.png");
    assert_eq!(file["size"], cover.len());
    assert_eq!(file["contentType"], "image/png");
    assert_eq!(file["url"], format!("/env/test/files/posts/{id}/cover"));
    assert_eq!(file["key"], format!("tables/posts/{id}/cover/sunset.png"));

    // Anyone may read a published post, so anyone may fetch its cover.
    let download = reqwest::get(blog.server.url(file["url"].as_str().unwrap())).await.unwrap();
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(download.headers()[header::CONTENT_TYPE], "image/png");
    assert!(download.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("inline"));
    assert!(download.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains("sandbox"));
    assert_eq!(download.bytes().await.unwrap(), cover);
    let part = blog.http.get(blog.server.url(file["url"].as_str().unwrap())).header(header::RANGE, "bytes=0-7").send().await.unwrap();
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.bytes().await.unwrap(), cover[..8]);

    // The row reads back the same, and admins see the file under tables/.
    let (_, read) = blog.call("GET", &format!("/posts/{id}"), None, None).await;
    assert_eq!(read["cover"], post["cover"]);
    let listed = blog.owner.run("{ files(environment: \"test\", folder: \"tables/posts\") { folders readOnly } }", json!({})).await.data();
    assert_eq!(listed["files"]["folders"], json!([format!("tables/posts/{id}")]));
    assert_eq!(listed["files"]["readOnly"], true);
    // A JSON body cannot point a file column at an object it did not upload.
    let (status, refused) = blog.call("POST", "/posts", Some(&token), Some(json!({ "title": "sneaky", "cover": file }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(refused["error"]["code"], "INVALID_INPUT");
    // A post without a cover is still a JSON request.
    let (status, plain) = blog.call("POST", "/posts", Some(&token), Some(json!({ "title": "no picture" }))).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(plain["cover"], Value::Null);
}

async fn limits_refuse_before_anything_is_kept(s3: bool) {
    let blog = blog(s3).await;
    let (token, _) = blog.user("writer@example.com").await;
    assert_eq!(used_bytes(&blog).await, 0);
    // Over the column's 5 MB.
    let (status, body) = send(&blog, "POST", "/posts", &token, post_form(Some("Big"), true, Some((image(5 * 1024 * 1024 + 1), "big.png", "image/png")))).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["error"]["code"], "PAYLOAD_TOO_LARGE");
    // Not an image.
    let (status, body) = send(&blog, "POST", "/posts", &token, post_form(Some("Page"), true, Some((b"<script>".to_vec(), "x.html", "text/html")))).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert_eq!(body["error"]["code"], "UNSUPPORTED_MEDIA_TYPE");
    // The insert fails (no title): the uploaded cover is not kept.
    let (status, body) = send(&blog, "POST", "/posts", &token, post_form(None, true, Some((image(10_000), "orphan.png", "image/png")))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // A field that takes no file.
    let form = post_form(Some("x"), true, None).part("body", Part::bytes(b"x".to_vec()).file_name("b.txt"));
    let (status, body) = send(&blog, "POST", "/posts", &token, form).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // The environment's own limit applies below the column's.
    blog.owner.run("mutation { updateEnvironment(slug: \"test\", input: { limits: { maxFileBytes: 1000 } }) { slug } }", json!({})).await.data();
    let (status, _) = send(&blog, "POST", "/posts", &token, post_form(Some("Mid"), true, Some((image(2000), "mid.png", "image/png")))).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    // Nothing of all that was kept: no orphan objects, staged or otherwise.
    assert_eq!(used_bytes(&blog).await, 0);
    let (_, posts) = blog.call("GET", "/posts", None, None).await;
    assert_eq!(posts["items"], json!([]));
}

async fn file_urls_follow_the_get_router(s3: bool) {
    let blog = blog(s3).await;
    let (author, _) = blog.user("author@example.com").await;
    let (other, _) = blog.user("other@example.com").await;
    // A draft: getPost shows it to its owner only.
    let (status, draft) = send(&blog, "POST", "/posts", &author, post_form(Some("Draft"), false, Some((image(1000), "d.png", "image/png")))).await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    let url = blog.server.url(draft["cover"]["url"].as_str().unwrap());
    assert_eq!(blog.http.get(&url).send().await.unwrap().status(), StatusCode::NOT_FOUND, "anonymous");
    assert_eq!(blog.http.get(&url).bearer_auth(&other).send().await.unwrap().status(), StatusCode::NOT_FOUND, "another user");
    let mine = blog.http.get(&url).bearer_auth(&author).send().await.unwrap();
    assert_eq!(mine.status(), StatusCode::OK, "the owner");
    assert_eq!(mine.bytes().await.unwrap(), image(1000));
    // No such row, column or table: not found either way.
    for path in ["/files/posts/999/cover", "/files/posts/1/title", "/files/nope/1/cover", "/files/posts/x/cover"] {
        assert_eq!(blog.http.get(blog.url(path)).bearer_auth(&author).send().await.unwrap().status(), StatusCode::NOT_FOUND, "{path}");
    }
    // Switching getPost off in the environment's settings closes its files too.
    blog.owner.run("mutation { setRouterSettings(environment: \"test\", router: \"getPost\", input: { enabled: false }) { enabled } }", json!({})).await.data();
    assert_eq!(blog.http.get(&url).bearer_auth(&author).send().await.unwrap().status(), StatusCode::NOT_FOUND);
}

async fn replacing_or_deleting_removes_the_old_file(s3: bool) {
    let blog = blog(s3).await;
    let (author, author_id) = blog.user("author@example.com").await;
    let (_, post) = send(&blog, "POST", "/posts", &author, post_form(Some("Cover"), true, Some((image(4000), "first.png", "image/png")))).await;
    let id = post["id"].as_i64().unwrap();
    assert_eq!(used_bytes(&blog).await, 4000);

    let form = Form::new().part("cover", Part::bytes(image(6000)).file_name("second.png").mime_str("image/png").unwrap());
    let (status, updated) = send(&blog, "PATCH", &format!("/posts/{id}"), &author, form).await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["cover"]["name"], "second.png");
    assert_eq!(updated["title"], "Cover");
    let folder = format!("tables/posts/{id}/cover");
    let listed = blog
        .owner
        .run("query($f: String) { files(environment: \"test\", folder: $f) { files { edges { node { name size } } } } }", json!({ "f": folder }))
        .await
        .data();
    assert_eq!(listed["files"]["files"]["edges"], json!([{ "node": { "name": "second.png", "size": 6000 } }]));
    assert_eq!(used_bytes(&blog).await, 6000);
    let fetched = blog.http.get(blog.server.url(updated["cover"]["url"].as_str().unwrap())).send().await.unwrap();
    assert_eq!(fetched.bytes().await.unwrap(), image(6000));

    // Emptied with JSON: the file goes.
    let (status, cleared) = blog.call("PATCH", &format!("/posts/{id}"), Some(&author), Some(json!({ "cover": null }))).await;
    assert_eq!(status, StatusCode::OK, "{cleared}");
    assert_eq!(cleared["cover"], Value::Null);
    assert_eq!(used_bytes(&blog).await, 0);

    // Deleting the row deletes its files.
    let form = Form::new().part("cover", Part::bytes(image(3000)).file_name("third.png").mime_str("image/png").unwrap());
    assert_eq!(send(&blog, "PATCH", &format!("/posts/{id}"), &author, form).await.0, StatusCode::OK);
    assert_eq!(used_bytes(&blog).await, 3000);
    blog.make_editor(author_id).await;
    let (status, _) = blog.call("DELETE", &format!("/posts/{id}"), Some(&author), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(used_bytes(&blog).await, 0);
    let gone = blog.owner.run("{ files(environment: \"test\", folder: \"tables/posts\") { folders } }", json!({})).await.data();
    assert_eq!(gone["files"]["folders"], json!([]));
}

/// Comments gain a photo: deleting their post (through its router, or as an
/// admin) cascades to them in the database, and their photos must go too.
async fn files_of_cascaded_rows_go_with_them(s3: bool) {
    let mut document = blog::blog();
    let comments = document["tables"].as_array_mut().unwrap().iter_mut().find(|t| t["name"] == "comments").unwrap();
    comments["columns"].as_array_mut().unwrap().push(json!({ "name": "photo", "type": "file" }));
    let router = document["routers"].as_array_mut().unwrap().iter_mut().find(|r| r["name"] == "createComment").unwrap();
    router["input"]["body"]["properties"]["photo"] = json!({});
    router["steps"][1]["insert"]["values"]["photo"] = json!("${request.body.photo}");
    let blog = Blog::start_with_document(TestServer::start_with(Options { s3, ..Options::default() }).await, document).await;
    let (author, author_id) = blog.user("author@example.com").await;
    blog.make_editor(author_id).await;

    let mut posts = Vec::new();
    for title in ["deleted by its router", "deleted by an admin"] {
        let (_, post) = send(&blog, "POST", "/posts", &author, post_form(Some(title), true, None)).await;
        let id = post["id"].as_i64().unwrap();
        for size in [1000, 2000] {
            let form = Form::new().text("body", "look").part("photo", Part::bytes(image(size)).file_name("photo.png").mime_str("image/png").unwrap());
            let (status, comment) = send(&blog, "POST", &format!("/posts/{id}/comments"), &author, form).await;
            assert_eq!(status, StatusCode::CREATED, "{comment}");
            assert_eq!(comment["photo"]["size"], size);
        }
        posts.push(id);
    }
    // Deleting one post leaves the other post's comments and photos alone.
    assert_eq!(used_bytes(&blog).await, 6000);
    let comment_folders = |blog: &Blog| {
        let owner = blog.owner.clone();
        async move {
            let listed = owner.run("{ files(environment: \"test\", folder: \"tables/comments\") { folders } }", json!({})).await.data();
            listed["files"]["folders"].as_array().unwrap().len()
        }
    };
    assert_eq!(comment_folders(&blog).await, 4);

    let (status, _) = blog.call("DELETE", &format!("/posts/{}", posts[0]), Some(&author), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(used_bytes(&blog).await, 3000);
    assert_eq!(comment_folders(&blog).await, 2);

    let deleted = blog
        .owner
        .run("mutation($id: ID!) { deleteRow(environment: \"test\", table: \"posts\", id: $id) }", json!({ "id": posts[1].to_string() }))
        .await
        .data();
    assert_eq!(deleted["deleteRow"], posts[1].to_string());
    assert_eq!(used_bytes(&blog).await, 0);
    assert_eq!(comment_folders(&blog).await, 0);
}
