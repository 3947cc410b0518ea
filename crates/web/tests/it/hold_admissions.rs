//! The server, not only the search, refuses a hold whose ward does not take the hold's 入院形態
//! (issue 14, item 6): a ward that does not list it, or 応急入院 in a hospital without the
//! 応急入院指定. Refused through the API with a problem naming the field; nothing is held.

use crate::beds::{OWN_HOSPITAL, OWN_WARD, api_client, held, seed_beds, staff_scope, token_for};
use crate::for_each_backend;
use nimo_domain::access::Role;

async fn post(base: &str, token: &str, admission: &str) -> (u16, serde_json::Value) {
    let body = serde_json::json!({ "ward_id": OWN_WARD, "case_ref": "R4-023", "admission": admission });
    let response =
        api_client().post(format!("{base}/api/v1/holds")).bearer_auth(token).json(&body).send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(serde_json::Value::Null))
}

#[tokio::test]
async fn a_hold_for_an_admission_the_ward_does_not_take_is_refused_by_the_server() {
    for_each_backend(|app| async move {
        seed_beds(&app.db, &[]).await;
        let (_, token) = token_for(&app.db, "hold-rules", Role::Staff, staff_scope()).await;
        // The ward takes 措置 and 医療保護 only; its hospital loses the 応急入院指定.
        let admissions = |codes: &'static str| {
            sqlx::query("UPDATE ward SET admissions = $1 WHERE id = $2").bind(codes).bind(OWN_WARD)
        };
        admissions("sochi,iryo_hogo").execute(&app.db.pool).await.unwrap();
        let (status, problem) = post(&app.base, &token, "nini").await;
        assert_eq!(status, 422, "{problem}");
        let text = problem.to_string();
        assert!(text.contains("admission") && text.contains("この病棟は「任意入院」を受け入れていません"), "{text}");
        assert_eq!(held(&app.db, OWN_WARD).await, 0, "nothing was held");

        admissions("sochi,kinkyu_sochi,iryo_hogo,okyu,nini").execute(&app.db.pool).await.unwrap();
        sqlx::query("UPDATE hospital SET okyu_designated = 0 WHERE id = $1")
            .bind(OWN_HOSPITAL)
            .execute(&app.db.pool)
            .await
            .unwrap();
        let (status, problem) = post(&app.base, &token, "okyu").await;
        assert_eq!(status, 422, "{problem}");
        assert!(problem.to_string().contains("応急入院指定病院ではありません"), "{problem}");
        assert_eq!(held(&app.db, OWN_WARD).await, 0, "nothing was held");
        let refused: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'hold_place' AND outcome = 'failed' AND detail = 'admission_not_accepted'",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        assert_eq!(refused, 2, "each refusal is audited");
        // What the ward takes is held as before.
        assert_eq!(post(&app.base, &token, "sochi").await.0, 201);
    })
    .await;
}
