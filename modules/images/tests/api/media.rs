//! `GET /media/...`: local files with long cache headers, and no way out of the folder.

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;

use crate::support::*;

#[actix_web::test]
async fn media_serves_an_upload_with_its_type_and_a_one_year_immutable_cache() {
    let app = LocalApp::new();
    let png = tiny_png();
    let r = app.call(upload_request(Some(&seller_token()), multipart_body(&[("f", Some("a.png"), &png)]))).await;
    let url = r.body["urls"][0].as_str().unwrap().to_owned();
    let path = url.strip_prefix(BASE).unwrap();
    let r = app.call(TestRequest::get().uri(path)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.bytes, png);
    assert_eq!(r.headers.get("cache-control").unwrap(), "public, max-age=31536000, immutable");
    assert_eq!(r.headers.get("content-type").unwrap(), "image/png");
    assert_eq!(r.headers.get("x-content-type-options").unwrap(), "nosniff");
}

#[actix_web::test]
async fn media_refuses_path_traversal_and_missing_files_with_404() {
    let app = LocalApp::new();
    std::fs::write(app.dir.path().join("secret.txt"), b"top secret").unwrap();
    std::fs::write(app.media_dir.join(".hidden"), b"hidden").unwrap();
    for path in [
        "/media/../secret.txt",
        "/media/%2e%2e/secret.txt",
        "/media/hme/..%2F..%2Fsecret.txt",
        "/media/%2E%2E%2Fsecret.txt",
        "/media/..%5Csecret.txt",
        "/media//etc/passwd",
        "/media/.hidden",
        "/media/hme/nothing.png",
        "/media/",
    ] {
        let r = app.call(TestRequest::get().uri(path)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!String::from_utf8_lossy(&r.bytes).contains("secret"), "{path}");
        assert_eq!(r.body["success"], false, "{path}");
    }
}

#[cfg(unix)]
#[actix_web::test]
async fn media_does_not_follow_a_symbolic_link_out_of_the_folder() {
    let app = LocalApp::new();
    std::fs::write(app.dir.path().join("secret.txt"), b"top secret").unwrap();
    std::os::unix::fs::symlink(app.dir.path().join("secret.txt"), app.media_dir.join("link.png")).unwrap();
    let r = app.call(TestRequest::get().uri("/media/link.png")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
