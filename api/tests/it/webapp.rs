//! The demo app's files: served from the binary with the headers a browser
//! needs, every module the app imports present, nothing outside `web/`.
use std::collections::BTreeSet;

use crate::support::on_each_database;

/// The relative modules a JavaScript file imports, at once or when first needed.
fn imports(source: &str) -> Vec<String> {
    imported_with(source, &[" from '", "import('"])
}

/// The relative modules a JavaScript file needs before it runs.
fn static_imports(source: &str) -> Vec<String> {
    imported_with(source, &[" from '"])
}

fn imported_with(source: &str, markers: &[&str]) -> Vec<String> {
    markers
        .iter()
        .flat_map(|marker| source.split(marker).skip(1))
        .filter_map(|rest| rest.split('\'').next())
        .filter(|path| path.starts_with('.'))
        .map(str::to_owned)
        .collect()
}

fn resolve(base: &str, relative: &str) -> String {
    let mut parts: Vec<&str> = base.split('/').collect();
    parts.pop();
    for part in relative.split('/') {
        match part {
            "." => {}
            ".." => {
                parts.pop();
            }
            name => parts.push(name),
        }
    }
    parts.join("/")
}

#[tokio::test]
async fn the_app_page_and_every_module_it_imports_are_served() {
    on_each_database(|app| async move {
        let page = app.get("/").await;
        assert_eq!(page.status(), 200);
        assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
        let policy = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
        assert!(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"), "{policy}");
        assert_eq!(page.headers()["x-content-type-options"], "nosniff");
        let html = page.text().await.unwrap();
        assert!(html.contains(r#"<html lang="vi">"#) && html.contains(r#"src="/assets/app.js""#), "{html}");
        assert!(
            app.get("/assets/styles.css").await.headers()["content-type"].to_str().unwrap().starts_with("text/css")
        );

        // Walk the module graph from the entry point.
        let mut pending = vec!["/assets/app.js".to_owned()];
        let mut seen = BTreeSet::new();
        while let Some(path) = pending.pop() {
            if !seen.insert(path.clone()) {
                continue;
            }
            let response = app.get(&path).await;
            assert_eq!(response.status(), 200, "{path} is served");
            assert_eq!(response.headers()["content-type"], "text/javascript; charset=utf-8", "{path}");
            let source = response.text().await.unwrap();
            pending.extend(imports(&source).iter().map(|relative| resolve(&path, relative)));
        }
        assert!(seen.len() >= 10, "the app is made of its modules: {seen:?}");
        assert!(seen.contains("/assets/vendor/graphql-ws/client.js"), "{seen:?}");

        // The modules needed before the first card are preloaded together,
        // and nothing else is: the live socket's client waits for its screen.
        let mut pending = vec!["/assets/app.js".to_owned()];
        let mut eager = BTreeSet::new();
        while let Some(path) = pending.pop() {
            if eager.insert(path.clone()) {
                let source = app.get(&path).await.text().await.unwrap();
                pending.extend(static_imports(&source).iter().map(|relative| resolve(&path, relative)));
            }
        }
        eager.remove("/assets/app.js");
        let preloaded: BTreeSet<String> = html
            .split(r#"<link rel="modulepreload" href=""#)
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .map(str::to_owned)
            .collect();
        assert_eq!(preloaded, eager, "index.html preloads exactly what app.js imports before it runs");
        assert!(!eager.contains("/assets/vendor/graphql-ws/client.js"), "{eager:?}");
    })
    .await;
}

#[tokio::test]
async fn unchanged_files_are_revalidated_and_nothing_outside_the_app_is_served() {
    on_each_database(|app| async move {
        let first = app.get("/assets/app.js").await;
        let tag = first.headers()["etag"].to_str().unwrap().to_owned();
        assert_eq!(first.headers()["cache-control"], "no-cache");
        let again = app
            .client
            .get(format!("{}/assets/app.js", app.address))
            .header("if-none-match", &tag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304);
        assert!(again.text().await.unwrap().is_empty());
        let stale = app
            .client
            .get(format!("{}/assets/app.js", app.address))
            .header("if-none-match", "\"old\"")
            .send()
            .await
            .unwrap();
        assert_eq!(stale.status(), 200);

        for path in
            ["/assets/missing.js", "/assets/../Cargo.toml", "/assets/%2e%2e/src/main.rs", "/assets/", "/index.html/x"]
        {
            assert_eq!(app.get(path).await.status(), 404, "{path}");
        }
        // GraphiQL keeps its place.
        assert!(app.get("/graphql").await.text().await.unwrap().contains("graphiql"));
    })
    .await;
}

/// The app's page and files travel gzip-compressed to a browser that
/// accepts it, and plain to one that does not; GraphQL answers are left as
/// they are (their cost is the server's, per request).
#[tokio::test]
async fn the_app_travels_compressed_when_the_browser_accepts_it() {
    on_each_database(|app| async move {
        // (path, at least this many times smaller): the page is a few lines.
        for (path, smaller) in
            [("/", 1.5), ("/assets/app.js", 2.0), ("/assets/styles.css", 2.0), ("/assets/i18n.js", 2.0)]
        {
            let fetch = |encoding: &'static str| {
                app.client.get(format!("{}{path}", app.address)).header("accept-encoding", encoding).send()
            };
            let plain = fetch("identity").await.unwrap();
            assert!(plain.headers().get("content-encoding").is_none(), "{path}");
            let plain = plain.bytes().await.unwrap().len();
            let packed = fetch("gzip").await.unwrap();
            assert_eq!(packed.headers()["content-encoding"], "gzip", "{path}");
            let packed = packed.bytes().await.unwrap().len();
            assert!(packed as f64 * smaller < plain as f64, "{path}: {packed} bytes of {plain}");
        }
        let answer = app
            .client
            .post(format!("{}/graphql", app.address))
            .header("accept-encoding", "gzip")
            .json(&serde_json::json!({ "query": "{ __typename }" }))
            .send()
            .await
            .unwrap();
        assert!(answer.headers().get("content-encoding").is_none());
    })
    .await;
}
