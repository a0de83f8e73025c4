//! WeChat Pay in platform-certificate mode: a certificate rotated at WeChat Pay in the
//! middle of a campaign is downloaded when its serial first appears (by polling on one
//! server, by a callback on another), and payouts go on; a callback signed by a key
//! WeChat Pay never listed is refused without a download storm.

use std::time::Duration;

use crate::helpers::Backend;
use crate::wechat::{
    app_with, cash_campaign, deliver, inviter_and_friend, journal, run_jobs, second_server, text,
    the_grant_of,
};
use crate::wechat_standin::StandIn;
use crate::wechat_standin_certs::{forged, ROTATED_SERIAL};

crate::wechat_on_both!(
    a_rotated_platform_certificate_is_downloaded_and_its_callbacks_accepted_while_unknown_keys_are_refused
);

async fn a_rotated_platform_certificate_is_downloaded_and_its_callbacks_accepted_while_unknown_keys_are_refused(
    backend: Backend,
) {
    let standin = StandIn::start_with_certificates().await;
    let app = app_with(backend, &standin, &[]).await;
    let second = second_server(&app, &standin, &[]).await;
    app.create_campaign(cash_campaign()).await;
    let (inviter_code, _inviter) = inviter_and_friend(&app, &standin).await;
    run_jobs(&app).await;
    let (grant, bill_no) = the_grant_of(&app, &inviter_code).await;
    let transfer =
        |column: &str| format!("SELECT {column} FROM wechat_transfers WHERE out_bill_no = $1");
    assert_eq!(
        text(&app, &transfer("state"), &bill_no).await.as_deref(),
        Some("WAIT_USER_CONFIRM")
    );
    assert_eq!(
        standin.certificate_downloads(),
        0,
        "the configured certificate verifies the answer"
    );

    // WeChat Pay rotates; the next poll's answer names the new serial: fetched, trusted.
    standin.rotate_platform_certificate();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    run_jobs(&app).await;
    assert_eq!(standin.certificate_downloads(), 1);
    assert_eq!(
        text(&app, &transfer("fail_reason"), &bill_no).await,
        None,
        "the poll's answer was accepted"
    );

    // The confirmed transfer's callback, signed with the new certificate, reaches the
    // other server first, which has never seen that serial: it downloads and accepts.
    let callback = standin.finish(&bill_no, "SUCCESS", None);
    let serial = (
        String::from("Wechatpay-Serial"),
        String::from(ROTATED_SERIAL),
    );
    assert_eq!(callback.0[3], serial);
    assert_eq!(deliver(&second, &callback).await, 204);
    assert_eq!(standin.certificate_downloads(), 2);
    assert_eq!(journal(&app, &grant, "paid").await, 1);

    // Signed by a key WeChat Pay never listed: refused, under an unknown serial without
    // another download within the minute, under a known serial by its signature.
    let unknown = forged(&callback, "7E2F0000000000000000000000000000000000AB");
    assert_eq!(deliver(&app, &unknown).await, 401);
    assert_eq!(deliver(&second, &unknown).await, 401);
    assert_eq!(standin.certificate_downloads(), 2);
    assert_eq!(deliver(&app, &forged(&callback, ROTATED_SERIAL)).await, 401);

    // The certificates are also fetched again periodically (every 12 hours by default).
    let later = chrono::Utc::now() + chrono::Duration::hours(13);
    fission::jobs::run_once(&app.state, later).await.unwrap();
    assert_eq!(standin.certificate_downloads(), 3);
    assert_eq!(journal(&app, &grant, "paid").await, 1);
    assert!(standin.problems().is_empty(), "{:?}", standin.problems());
}
