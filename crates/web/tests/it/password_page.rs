//! The password page through HTTP: a new password that is mostly repetition or a sequence, the
//! current one or a previous one is refused beside the new-password field, in Japanese.

use crate::for_each_backend;
use crate::harness::{PASSWORD, TestApp, staff_account};

/// Posts the password form; returns the status and the text of the new-password field's block.
async fn change(client: &crate::harness::Client, current: &str, new: &str) -> (u16, String) {
    let form = vec![("current".to_string(), current.to_string()), ("new".to_string(), new.to_string())];
    let (status, _, page) = client.post_form("/account/password", &form).await;
    let field = page.find("id=\"new\"").map(|at| &page[at..]).unwrap_or_default();
    (status, field[..field.find("</div>").unwrap_or(0)].to_string())
}

#[tokio::test]
async fn repetition_sequences_and_previous_passwords_are_refused_beside_the_new_password() {
    for_each_backend(|app| async move {
        let codes = staff_account(&app.db, "nurse7", "131105").await;
        let mut nurse = TestApp::client_for(&app, "nurse7", &codes[0]).await;
        for (new, reason) in [
            ("abababababababab", "繰り返し"),
            ("passwordpassword", "繰り返し"),
            ("abcdefgh12345678", "連続した文字の並び"),
            (PASSWORD, "現在のパスワードと同じです"),
        ] {
            let (status, field) = change(&nurse, PASSWORD, new).await;
            assert_eq!(status, 422, "{new}");
            assert!(field.contains(reason) && field.contains("field-error"), "{new}: {field}");
        }
        let second = "二つ目に選んだ長いパスフレーズ";
        assert_eq!(change(&nurse, PASSWORD, second).await.0, 303);
        // The change signed the session in afresh, with a new CSRF token.
        nurse.csrf = crate::harness::csrf_of(&nurse.get("/account/password").await.1).expect("token");
        let (status, field) = change(&nurse, second, PASSWORD).await;
        assert_eq!(status, 422, "the previous password");
        assert!(field.contains("以前（直近5回まで）に使ったパスワードは使えません"), "{field}");
        assert_eq!(change(&nurse, second, "三つ目はまた別のことばにする").await.0, 303);
    })
    .await;
}
