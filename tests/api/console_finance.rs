//! The console's finance pages (issue 10 item 4): the books with filters and downloads
//! through the console session, payout batches created, downloaded (audited, with the
//! payee) and settled by the provider's result file, and reconciliation per day.
//! Finance and admins only.

use calamine::{Data, Reader, Xlsx};
use fission::auth::Role;
use serde_json::{json, Value};

use crate::both_backends;
use crate::console_browser::{csrf_of, location, Browser};
use crate::helpers::TestApp;
use crate::rewards::{inviter_with_friends, rules_campaign, run_jobs};

/// A campaign paying 1.50 yuan per invite, and two friends' grants.
async fn two_grants(app: &TestApp) {
    app.create_campaign(rules_campaign(
        json!([{"id": "pi", "kind": "per_invite", "reward": {"type": "cash", "amount": 150}}]),
        100_000,
    ))
    .await;
    inviter_with_friends(app, 1, 2).await;
    run_jobs(app).await;
}

async fn bytes(browser: &Browser, path: &str) -> (u16, String, Vec<u8>) {
    let response = browser.get(path).await;
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, kind, response.bytes().await.unwrap().to_vec())
}

/// Posts a multipart form with a file, from our own origin.
async fn upload(browser: &Browser, path: &str, token: &str, file: &str) -> (u16, String) {
    let part = reqwest::multipart::Part::bytes(file.as_bytes().to_vec()).file_name("results.csv");
    let form = reqwest::multipart::Form::new()
        .text("_csrf", token.to_owned())
        .part("file", part);
    let origin = browser.url("");
    let response = browser
        .client
        .post(browser.url(path))
        .header("Origin", origin.trim_end_matches('/'))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

both_backends! {
    async fn finance_reads_the_books_and_downloads_them_in_the_console(app: TestApp) {
        two_grants(&app).await;
        let (finance, _) = Browser::signed_in(&app, Role::Finance).await;
        let (status, html) = finance.page("/admin/finance?campaign=tea").await;
        assert_eq!(status, 200);
        assert!(html.contains("金额（元）") && html.contains("1.50") && html.contains("已发放"), "{html}");
        assert!(html.contains("3.00"), "the page's cash total");
        assert!(html.contains("ledger.xlsx?campaign=tea&amp;lang=zh"), "downloads keep the filters");
        let (_, journal) = finance.page("/admin/finance?book=journal&campaign=tea").await;
        assert!(journal.contains("时间（北京时间）") && journal.contains("发放"), "{journal}");
        let (status, _) = finance.page("/admin/finance?from=2026-13-01").await;
        assert_eq!(status, 422, "a bad day is refused on the page");
        let (_, none) = finance.page("/admin/finance?from=2000-01-01&to=2000-01-02").await;
        assert!(none.contains("这个范围内没有记录"));

        let (status, kind, xlsx) = bytes(&finance, "/admin/finance/ledger.xlsx?campaign=tea").await;
        assert_eq!(status, 200);
        assert!(kind.starts_with("application/vnd.openxmlformats"), "{kind}");
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
        let sheet = book.worksheet_range("ledger").unwrap();
        let rows: Vec<Vec<Data>> = sheet.rows().map(<[Data]>::to_vec).collect();
        assert_eq!(rows[0][6], Data::String("金额（元）".into()));
        assert_eq!(rows[1][6], Data::Float(1.5));
        let (_, _, csv) = bytes(&finance, "/admin/finance/journal.csv?campaign=tea&lang=en").await;
        let csv = String::from_utf8(csv).unwrap();
        assert!(csv.contains("Amount (yuan)") && csv.contains("1.50"), "{csv}");

        for role in [Role::Marketer, Role::Viewer] {
            let (browser, _) = Browser::signed_in(&app, role).await;
            for path in ["/admin/finance", "/admin/finance/ledger.csv", "/admin/finance/payouts", "/admin/finance/reconciliation"] {
                assert_eq!(browser.get(path).await.status(), 403, "{role:?} {path}");
            }
        }
        assert_eq!(Browser::new(&app).get("/admin/finance/ledger.xlsx").await.status(), 303, "signed out: to sign in");
    }

    async fn a_batch_is_created_downloaded_settled_and_reconciled_in_the_console(app: TestApp) {
        two_grants(&app).await;
        let (finance, email) = Browser::signed_in(&app, Role::Finance).await;
        let token = finance.csrf("/admin/finance/payouts").await;
        let created = finance.post_form("/admin/finance/payouts", &[("campaign", "tea"), ("_csrf", &token)]).await;
        assert_eq!(created.status(), 303);
        let page = location(&created);
        let id = page.trim_start_matches("/admin/finance/payouts/").split('?').next().unwrap().to_owned();
        let (status, html) = finance.page(&page).await;
        assert_eq!(status, 200);
        assert!(html.contains("2 笔") && html.contains("¥3.00") && html.contains("待回执"), "{html}");
        let (_, list) = finance.page("/admin/finance/payouts?campaign=tea").await;
        assert!(list.contains(&format!("data-batch=\"{id}\"")) && list.contains("data-state=\"pending\""));

        let (status, _, file) = bytes(&finance, &format!("/admin/finance/payouts/{id}.csv?format=alipay")).await;
        assert_eq!(status, 200);
        let file = String::from_utf8(file).unwrap();
        assert!(file.contains("13900000001") && file.contains("商户流水号"), "the payee's full phone: {file}");
        let audit: Value = app.get_as("/api/v1/audit?action=payout.file_downloaded", &app.admin).await.json().await.unwrap();
        assert_eq!(audit["entries"][0]["actor"]["name"], email.as_str(), "the download is audited with the console user");
        assert_eq!(Browser::signed_in(&app, Role::Marketer).await.0.get(&format!("/admin/finance/payouts/{id}.csv")).await.status(), 403);

        let details: Vec<String> = file.lines().skip(3).map(|l| l.split(',').next().unwrap().to_owned()).collect();
        assert_eq!(details.len(), 2);
        let results = format!("商户流水号,状态\n{},成功\n{},失败\nNOSUCHLINE0000000000001,成功\n", details[0], details[1]);
        let token = csrf_of(&html);
        let path = format!("/admin/finance/payouts/{id}/results");
        let (status, outcome) = upload(&finance, &path, &token, &results).await;
        assert_eq!(status, 200);
        assert!(outcome.contains("成功 1 笔，失败 1 笔") && outcome.contains("不在本批次"), "{outcome}");
        assert!(outcome.contains("data-status=\"paid\"") && outcome.contains("data-status=\"failed\""));
        let (status, again) = upload(&finance, &path, &token, &results).await;
        assert_eq!(status, 200);
        assert!(again.contains("与之前相同 2 笔"), "a replay changes nothing");
        let (status, bad) = upload(&finance, &path, &token, "a,b\n1,2\n").await;
        assert_eq!(status, 422);
        assert!(bad.contains("无法读取这个文件"));

        let (status, rec) = finance.page("/admin/finance/reconciliation?campaign=tea").await;
        assert_eq!(status, 200);
        assert!(rec.contains("data-balanced=\"true\"") && rec.contains("账平"), "{rec}");
        assert!(rec.contains("¥3.00 = ¥1.50 + ¥1.50 + ¥0.00"), "granted = paid + unpaid + revoked");
        assert!(!rec.contains("data-balanced=\"false\""));
    }
}
