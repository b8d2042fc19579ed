//! The served API for other tools: OpenAPI 3.1 and Postman v2.1 from the
//! revision an environment serves, as GraphQL fields and as downloads.
//! (CI also validates the OpenAPI document, fuzzes it with schemathesis and
//! runs the collection with newman: `.ci/exports.sh`.)

use reqwest::{StatusCode, header};
use serde_json::{Value, json};

use crate::blog::Blog;

#[tokio::test]
async fn openapi_describes_every_router_and_the_error_catalogue() {
    let blog = Blog::start().await;
    let doc = blog.owner.run("{ openApi(environment: \"test\") }", json!({})).await.data()["openApi"].clone();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["servers"][0]["url"], blog.server.url("/env/test"));
    let get_post = &doc["paths"]["/posts/{id}"]["get"];
    assert_eq!(get_post["operationId"], "getPost");
    assert_eq!(get_post["parameters"][0], json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "integer", "minimum": 1 } }));
    assert_eq!(get_post["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["title"], json!({ "type": ["string", "null"] }));
    assert!(get_post.get("security").is_none(), "public");
    let create = &doc["paths"]["/posts"]["post"];
    assert_eq!(create["security"], json!([{ "bearerAuth": [] }]));
    assert_eq!(create["requestBody"]["content"]["application/json"]["schema"]["required"], json!(["title"]));
    assert!(doc["paths"]["/posts/{id}"]["delete"]["responses"]["403"].is_object(), "group routers may answer 403");
    assert_eq!(doc["paths"]["/posts/{id}"]["delete"]["responses"]["204"], json!({ "description": "Success, no body." }));
    let list = &doc["paths"]["/posts"]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
    assert_eq!(list["required"], json!(["items", "nextCursor"]));
    for path in ["/auth/signup", "/auth/login", "/auth/logout", "/auth/me", "/auth/ticket"] {
        assert!(doc["paths"][path].is_object(), "{path}");
    }
    let codes: Vec<&str> = doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(codes.contains(&"INVALID_INPUT") && codes.contains(&"CHECK_FAILED") && codes.contains(&"TIMEOUT"), "{codes:?}");
    let operations: usize = doc["paths"].as_object().unwrap().values().map(|p| p.as_object().unwrap().len()).sum();
    // The blog's eight routers and the five of /auth.
    assert_eq!(operations, 8 + 5);
}

#[tokio::test]
async fn the_postman_collection_runs_creates_first_and_tests_each_router() {
    let blog = Blog::start().await;
    let collection = blog.owner.run("{ postmanCollection(environment: \"test\") }", json!({})).await.data()["postmanCollection"].clone();
    assert_eq!(collection["info"]["schema"], "https://schema.getpostman.com/json/collection/v2.1.0/collection.json");
    let variables: Vec<&str> = collection["variable"].as_array().unwrap().iter().map(|v| v["key"].as_str().unwrap()).collect();
    assert_eq!(variables, ["baseUrl", "token", "token_editors", "posts_id", "comments_id"]);
    assert_eq!(collection["variable"][0]["value"], blog.server.url("/env/test"));
    let names: Vec<&str> = collection["item"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|folder| folder["item"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        names,
        ["sign up (stores {{token}})", "createPost", "listPosts", "getPost", "stats", "updatePost", "createComment", "deletePost", "listComments"]
    );
    let posts = collection["item"].as_array().unwrap().iter().find(|f| f["name"] == "posts").unwrap();
    let get_post = posts["item"].as_array().unwrap().iter().find(|i| i["name"] == "getPost").unwrap();
    assert_eq!(get_post["request"]["url"]["raw"], "{{baseUrl}}/posts/:id");
    assert_eq!(get_post["request"]["url"]["variable"], json!([{ "key": "id", "value": "{{posts_id}}" }]));
    let script = get_post["event"][0]["script"]["exec"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect::<Vec<_>>().join("\n");
    assert!(script.contains("pm.response.code === 200"), "{script}");
    let create = posts["item"].as_array().unwrap().iter().find(|i| i["name"] == "createPost").unwrap();
    assert_eq!(create["request"]["auth"]["bearer"][0]["value"], "{{token}}");
    // The cover goes as a file, beside the other fields as text.
    assert_eq!(create["request"]["body"]["mode"], "formdata");
    let fields: Vec<Value> = create["request"]["body"]["formdata"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| json!([f["key"], f["type"], f.get("value").or(f.get("src")), f.get("contentType")]))
        .collect();
    assert_eq!(
        fields,
        [
            json!(["title", "text", "example", null]),
            json!(["body", "text", "example", null]),
            json!(["published", "text", "true", null]),
            json!(["cover", "file", "example.png", "image/png"]),
        ]
    );
    // A body without files stays JSON.
    let comment = posts["item"].as_array().unwrap().iter().find(|i| i["name"] == "createComment").unwrap();
    let body: Value = serde_json::from_str(comment["request"]["body"]["raw"].as_str().unwrap()).unwrap();
    assert_eq!(body, json!({ "body": "example" }));
}

#[tokio::test]
async fn downloads_need_a_signed_in_admin_and_name_their_files() {
    let blog = Blog::start().await;
    let anonymous = reqwest::get(blog.server.url("/admin/downloads/test/openapi.json")).await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    for (path, file) in [
        ("/admin/downloads/test/openapi.json", "serverkit-test-openapi.json"),
        ("/admin/downloads/test/postman.json", "serverkit-test.postman_collection.json"),
        ("/admin/downloads/workspace.json", "serverkit-workspace-r1.json"),
    ] {
        let response = blog.owner.http.get(blog.server.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let disposition = response.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().to_owned();
        assert_eq!(disposition, format!("attachment; filename=\"{file}\""));
        let body: Value = response.json().await.unwrap();
        assert!(body.is_object());
    }
    let production = blog.owner.http.get(blog.server.url("/admin/downloads/production/openapi.json")).send().await.unwrap();
    assert_eq!(production.status(), StatusCode::BAD_REQUEST, "production serves nothing yet");
}
