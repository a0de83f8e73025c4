//! A transfer of 2,000 yuan or more waits for the payee's real name, asked on the 领取
//! page (CSRF-protected), kept only sealed for WeChat Pay, and sent with it: the
//! stand-in decrypts it with its private key and refuses a large transfer without one.

use serde_json::json;

use crate::helpers::Backend;
use crate::landing::csrf_from;
use crate::rewards::rules_campaign;
use crate::wechat::{app_with, inviter_and_friend, run_jobs, text, the_grant_of};
use crate::wechat_standin::StandIn;

crate::wechat_on_both!(
    a_transfer_of_2000_yuan_waits_for_the_real_name_which_reaches_wechat_pay_only_sealed
);

async fn a_transfer_of_2000_yuan_waits_for_the_real_name_which_reaches_wechat_pay_only_sealed(
    backend: Backend,
) {
    let standin = StandIn::start().await;
    let limits = [
        ("FISSION_WECHATPAY_MAX_TRANSFER_FEN", "1000000"),
        ("FISSION_WECHATPAY_USER_DAILY_LIMIT_FEN", "1000000"),
    ];
    let app = app_with(backend, &standin, &limits).await;
    let reward = json!({"type": "cash", "amount": 200_000});
    let rules = json!([{"id": "pi", "kind": "per_invite", "reward": reward}]);
    let mut campaign = rules_campaign(rules, 1_000_000);
    campaign["status"] = json!("active");
    app.create_campaign(campaign).await;
    let (inviter_code, inviter) = inviter_and_friend(&app, &standin).await;
    run_jobs(&app).await;
    let (_, bill_no) = the_grant_of(&app, &inviter_code).await;
    let column = |name: &str| format!("SELECT {name} FROM wechat_transfers WHERE out_bill_no = $1");
    assert_eq!(
        text(&app, &column("held_reason"), &bill_no)
            .await
            .as_deref(),
        Some("real_name_required")
    );
    assert!(standin.created().is_empty(), "not sent without the name");

    // /me leads to 领取, which asks for the name with the page's token.
    let me = inviter.get(app.url("/c/tea/me")).send().await.unwrap();
    assert!(me.text().await.unwrap().contains("&#x2F;me&#x2F;claim"));
    let claim = inviter
        .get(app.url("/c/tea/me/claim"))
        .send()
        .await
        .unwrap();
    let csp = claim.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("form-action 'self'"), "{csp}");
    let html = claim.text().await.unwrap();
    assert!(
        html.contains("/c/tea/me/claim/real-name") && html.contains("¥2000.00"),
        "{html}"
    );
    // The page as served, for the browser check (tests/browser/claim.mjs draws it at
    // 375 px: it needs WeChat Pay's stand-in to exist, which only this test has).
    let pages = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/pages");
    std::fs::create_dir_all(&pages).unwrap();
    std::fs::write(pages.join("wechat-claim.html"), &html).unwrap();
    let csrf = csrf_from(&html);
    let post = |fields: Vec<(&'static str, String)>| {
        inviter
            .post(app.url("/c/tea/me/claim/real-name"))
            .form(&fields)
            .send()
    };
    let name = |n: &str, csrf: &str| {
        vec![
            ("out_bill_no", bill_no.clone()),
            ("user_name", n.to_owned()),
            ("csrf", csrf.to_owned()),
        ]
    };
    assert_eq!(post(name("张三", "forged")).await.unwrap().status(), 403);
    assert_eq!(post(name("  ", &csrf)).await.unwrap().status(), 400);
    let mut elsewhere = name("张三", &csrf);
    elsewhere[0].1 = "not-this-participants".into();
    assert_eq!(post(elsewhere).await.unwrap().status(), 404);
    let kept = post(name(" 张三 ", &csrf)).await.unwrap();
    assert_eq!(kept.status(), 303);
    assert_eq!(kept.headers()["location"], "/c/tea/me/claim");
    assert_eq!(
        post(name("李四", &csrf)).await.unwrap().status(),
        404,
        "given once"
    );

    // Only the ciphertext is kept; the transfer goes out with exactly it.
    let sealed = text(&app, &column("user_name_cipher"), &bill_no)
        .await
        .unwrap();
    assert!(!sealed.contains("张三") && sealed.len() > 300);
    run_jobs(&app).await;
    assert_eq!(standin.created(), vec![bill_no.clone()]);
    let bill = standin.bill(&bill_no).unwrap();
    assert_eq!(bill.real_name.as_deref(), Some("张三"));
    assert_eq!(bill.request.user_name.as_deref(), Some(sealed.as_str()));
    assert_eq!(
        text(&app, &column("state"), &bill_no).await.as_deref(),
        Some("WAIT_USER_CONFIRM")
    );
    assert!(standin.problems().is_empty(), "{:?}", standin.problems());
}
