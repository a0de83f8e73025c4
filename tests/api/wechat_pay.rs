//! Cash rewards paid by WeChat Pay transfer against the stand-in: once, with two servers
//! racing, through the documented errors, and confirmed by the payee on the 领取 page.

use crate::helpers::{mobile, phone, Backend, TestApp};
use crate::wechat::{
    app_with, cash_campaign, deliver, inviter_and_friend, join_form, journal, open_in_wechat,
    run_jobs, scalar_i64, second_server, text, the_grant_of,
};
use crate::wechat_standin::StandIn;

crate::wechat_on_both!(
    a_wechat_visitor_is_authorised_joins_invites_and_is_paid_once_by_transfer_with_two_servers_racing,
    wechat_pay_errors_are_retried_or_recorded_and_never_pay_twice,
    transfers_past_the_daily_limit_are_held_with_the_reason_and_sent_once_the_next_day
);

async fn a_wechat_visitor_is_authorised_joins_invites_and_is_paid_once_by_transfer_with_two_servers_racing(
    backend: Backend,
) {
    let standin = StandIn::start().await;
    let app = app_with(backend, &standin, &[]).await;
    let second = second_server(&app, &standin, &[]).await;
    app.create_campaign(cash_campaign()).await;
    let (inviter_code, inviter) = inviter_and_friend(&app, &standin).await;

    // Both servers pay at once: one transfer, one bill at WeChat Pay.
    for _ in 0..3 {
        tokio::join!(run_jobs(&app), run_jobs(&second));
    }
    let (grant, bill_no) = the_grant_of(&app, &inviter_code).await;
    assert_eq!(standin.created(), vec![bill_no.clone()]);
    let bill = standin.bill(&bill_no).unwrap();
    assert_eq!(
        (bill.request.openid.as_str(), bill.request.transfer_amount),
        ("o_inviter", 150)
    );
    assert_eq!(journal(&app, &grant, "batched").await, 1);
    let waiting = text(
        &app,
        "SELECT package_info FROM wechat_transfers WHERE out_bill_no = $1",
        &bill_no,
    )
    .await;
    let package = waiting.expect("the confirm page's package is kept");
    assert!(package.starts_with("ABBQO"));
    // /me offers 领取; its page opens WeChat's confirm-receipt page with the package.
    let me = inviter.get(app.url("/c/tea/me")).send().await.unwrap();
    assert!(me
        .text()
        .await
        .unwrap()
        .contains("href=\"&#x2F;c&#x2F;tea&#x2F;me&#x2F;claim\""));
    let claim = inviter
        .get(app.url("/c/tea/me/claim"))
        .send()
        .await
        .unwrap();
    assert_eq!(claim.status(), 200);
    let csp = claim.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'sha256-"), "{csp}");
    let html = claim.text().await.unwrap();
    assert!(
        html.contains(&format!("data-package=\"{package}\"")),
        "{html}"
    );
    assert!(html.contains("data-mch=\"1900000109\"") && html.contains("领取 ¥1.50"));
    assert!(html.contains("requestMerchantTransfer"));

    // The inviter confirms; WeChat Pay calls both servers, twice, and both also poll.
    let callback = standin.finish(&bill_no, "SUCCESS", None);
    let (a, b) = tokio::join!(deliver(&app, &callback), deliver(&second, &callback));
    assert_eq!((a, b), (204, 204));
    assert_eq!(deliver(&app, &callback).await, 204);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    tokio::join!(run_jobs(&app), run_jobs(&second));
    assert_eq!(journal(&app, &grant, "paid").await, 1, "paid exactly once");
    assert_eq!(journal(&app, &grant, "failed").await, 0);
    let status = text(&app, "SELECT status FROM grants WHERE id = $1", &grant).await;
    assert_eq!(status.as_deref(), Some("paid"));
    assert_eq!(standin.created().len(), 1);
    let me = inviter.get(app.url("/c/tea/me")).send().await.unwrap();
    assert!(
        !me.text().await.unwrap().contains("claim"),
        "nothing left to collect"
    );
    assert!(standin.problems().is_empty(), "{:?}", standin.problems());
}

async fn wechat_pay_errors_are_retried_or_recorded_and_never_pay_twice(backend: Backend) {
    let standin = StandIn::start().await;
    let app = app_with(backend, &standin, &[]).await;
    app.create_campaign(cash_campaign()).await;
    let (inviter_code, _inviter) = inviter_and_friend(&app, &standin).await;
    let wait = || tokio::time::sleep(std::time::Duration::from_millis(1100));

    // Frequency limit, then no balance: nothing is created, the reason is kept, it retries.
    standin.queue_error(429, "FREQUENCY_LIMITED", "频率超限，请降低请求频率");
    run_jobs(&app).await;
    let (grant, bill_no) = the_grant_of(&app, &inviter_code).await;
    let reason = "SELECT fail_reason FROM wechat_transfers WHERE out_bill_no = $1";
    assert_eq!(
        text(&app, reason, &bill_no).await.as_deref(),
        Some("FREQUENCY_LIMITED")
    );
    standin.queue_error(403, "NOT_ENOUGH", "资金不足");
    wait().await;
    run_jobs(&app).await;
    assert_eq!(
        text(&app, reason, &bill_no).await.as_deref(),
        Some("NOT_ENOUGH")
    );
    assert!(standin.created().is_empty());

    // WeChat Pay takes the bill but its answer does not verify: not trusted, sent again
    // under the same out_bill_no, and the duplicate gets the same bill back.
    standin.forge_next_answers(1);
    wait().await;
    run_jobs(&app).await;
    assert_eq!(standin.created(), vec![bill_no.clone()]);
    let state = "SELECT state FROM wechat_transfers WHERE out_bill_no = $1";
    assert_eq!(
        text(&app, state, &bill_no).await.as_deref(),
        Some("created")
    );
    wait().await;
    run_jobs(&app).await;
    assert_eq!(
        text(&app, state, &bill_no).await.as_deref(),
        Some("WAIT_USER_CONFIRM")
    );
    assert_eq!(standin.created().len(), 1);

    // A callback with a bad signature changes nothing.
    let (mut headers, body) =
        standin.finish(&bill_no, "CANCELLED", Some("超过24小时用户未确认收款"));
    let good = (headers.clone(), body.clone());
    headers
        .iter_mut()
        .find(|(n, _)| n == "Wechatpay-Signature")
        .unwrap()
        .1 = "bm90IGEgc2lnbmF0dXJl".into();
    assert_eq!(deliver(&app, &(headers, body.clone())).await, 401);
    assert_eq!(journal(&app, &grant, "failed").await, 0);
    // The person never confirmed: the transfer failed, once; the grant waits for the file payout.
    assert_eq!(deliver(&app, &good).await, 204);
    assert_eq!(deliver(&app, &good).await, 204);
    assert_eq!(journal(&app, &grant, "failed").await, 1);
    assert_eq!(journal(&app, &grant, "paid").await, 0);
    let status = text(&app, "SELECT status FROM grants WHERE id = $1", &grant).await;
    assert_eq!(status.as_deref(), Some("granted"));
    wait().await;
    run_jobs(&app).await;
    assert_eq!(
        standin.created().len(),
        1,
        "a failed transfer is not sent again"
    );
    assert!(standin.problems().is_empty(), "{:?}", standin.problems());
}

async fn transfers_past_the_daily_limit_are_held_with_the_reason_and_sent_once_the_next_day(
    backend: Backend,
) {
    let standin = StandIn::start().await;
    let limit = [("FISSION_WECHATPAY_USER_DAILY_LIMIT_FEN", "200")];
    let app = app_with(backend, &standin, &limit).await;
    app.create_campaign(cash_campaign()).await;
    let (inviter_code, _inviter) = inviter_and_friend(&app, &standin).await;
    let second_friend = phone();
    let path = format!("/c/tea?ref={inviter_code}");
    let html = open_in_wechat(&app, &standin, &second_friend, &path, "o_friend2").await;
    let query = format!("?ref={inviter_code}");
    let joined = join_form(&app, &second_friend, &html, &query, &mobile(3)).await;
    assert_eq!(joined.status(), 303);
    // Two servers store the transfers at once: each may take one grant, and the day's
    // sum must still see the other's.
    let second = second_server(&app, &standin, &limit).await;
    both_servers_at(&app, &second, chrono::Utc::now()).await;
    // Two grants of 1.50 yuan to one person; 2.00 a day may go: one is sent, one held.
    assert_eq!(standin.created().len(), 1);
    let held = "SELECT COUNT(*) FROM wechat_transfers WHERE state = 'held' AND held_reason = $1";
    assert_eq!(scalar_i64(&app, held, "user_daily_limit").await, 1);
    let granted = "SELECT COUNT(*) FROM grants WHERE status = $1";
    assert_eq!(
        scalar_i64(&app, granted, "granted").await,
        1,
        "the held grant is not paid yet"
    );
    assert_eq!(scalar_i64(&app, granted, "paying").await, 1);
    run_jobs(&app).await;
    assert_eq!(standin.created().len(), 1, "not again on the same day");

    // Just after midnight in Beijing both servers try it again: sent once, the hold's
    // reason kept with it.
    let beijing = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let tomorrow = chrono::Utc::now().with_timezone(&beijing).date_naive() + chrono::Days::new(1);
    let after_midnight = tomorrow
        .and_hms_opt(0, 1, 0)
        .unwrap()
        .and_local_timezone(beijing)
        .unwrap()
        .with_timezone(&chrono::Utc);
    both_servers_at(&app, &second, after_midnight).await;
    assert_eq!(standin.created().len(), 2);
    let released = text(
        &app,
        "SELECT state FROM wechat_transfers WHERE held_reason = $1",
        "user_daily_limit",
    )
    .await;
    assert_eq!(released.as_deref(), Some("WAIT_USER_CONFIRM"));
    assert_eq!(scalar_i64(&app, granted, "paying").await, 2);
    let batched = "SELECT COUNT(*) FROM ledger_entries WHERE event = $1";
    assert_eq!(
        scalar_i64(&app, batched, "batched").await,
        2,
        "each grant once"
    );
    let noted = "SELECT COUNT(*) FROM ledger_entries WHERE note LIKE '%' || $1 || '%'";
    assert_eq!(
        scalar_i64(&app, noted, "held back earlier (user_daily_limit)").await,
        1
    );
    assert!(standin.problems().is_empty(), "{:?}", standin.problems());
}

/// Runs the jobs four times at once, two on each server, at `now`.
async fn both_servers_at(app: &TestApp, second: &TestApp, now: chrono::DateTime<chrono::Utc>) {
    futures_util::future::join_all((0..4).map(|i| {
        let state = if i % 2 == 0 {
            app.state.clone()
        } else {
            second.state.clone()
        };
        async move { fission::jobs::run_once(&state, now).await.unwrap() }
    }))
    .await;
}
