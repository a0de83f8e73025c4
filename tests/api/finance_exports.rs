//! Finance (issue 10, items 4 and 5): exports an accountant reads as they are (yuan,
//! Beijing time, Chinese headers, a total row; the XLSX opened and checked cell by
//! cell), payout files that name the payee only for finance and are audited, the
//! provider's own result file, and reconciliation per Beijing day.

use calamine::{Data, DataType, Reader, Xlsx};
use chrono::{Duration, Utc};
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{error_code, mobile, TestApp};
use crate::rewards::{code, detail, inviter_with_friends, rules_campaign, run_jobs};

fn beijing_today() -> String {
    (Utc::now() + Duration::hours(8))
        .format("%Y-%m-%d")
        .to_string()
}

fn cash_campaign() -> Value {
    rules_campaign(
        json!([{"id": "pi", "kind": "per_invite", "reward": {"type": "cash", "amount": 150}}]),
        100_000,
    )
}

async fn text(app: &TestApp, path: &str, token: &str) -> String {
    let response = app.get_as(path, token).await;
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.unwrap()
}

fn rows(csv: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

async fn sheet(app: &TestApp, path: &str, name: &str) -> Vec<Vec<Data>> {
    let response = app.get_as(path, &app.admin).await;
    assert_eq!(response.status(), 200, "{path}");
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range(name).unwrap();
    range.rows().map(<[Data]>::to_vec).collect()
}

/// The grant's time as Beijing wall-clock text.
fn beijing(rfc3339: &Value) -> String {
    let t: chrono::DateTime<Utc> = rfc3339.as_str().unwrap().parse().unwrap();
    (t + Duration::hours(8))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// (actor name, batch id, format) of each payout file download in the audit log, oldest first.
async fn audited_downloads(app: &TestApp) -> Vec<(String, String, String)> {
    let page: Value = app
        .get_as("/api/v1/audit?action=payout.file_downloaded", &app.admin)
        .await
        .json()
        .await
        .unwrap();
    let mut seen: Vec<(String, String, String)> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["actor"]["name"].as_str().unwrap().to_owned(),
                e["subject"].as_str().unwrap().to_owned(),
                e["after"]["format"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    seen.reverse();
    seen
}

/// A named inviter with two friends whose grants (150 fen each) are in a new batch.
async fn batch_for_named_inviter(app: &TestApp) -> (Value, String) {
    let inviter: Value = app
        .api
        .post(app.url("/api/v1/public/campaigns/tea/participants"))
        .json(&json!({"phone": mobile(1), "consent": true, "name": "张三"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for i in 2..=3 {
        app.join_ok("tea", &mobile(i), Some(code(&inviter))).await;
    }
    run_jobs(app).await;
    let batch: Value = app
        .post_json("/api/v1/campaigns/tea/payouts", &app.admin, &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(batch["count"], 2);
    (inviter, batch["id"].as_str().unwrap().to_owned())
}

both_backends! {
    async fn the_xlsx_ledger_has_numbers_in_yuan_real_dates_chinese_headers_and_a_total(app: TestApp) {
        app.create_campaign(cash_campaign()).await;
        let (inviter, _) = inviter_with_friends(&app, 1, 2).await;
        run_jobs(&app).await;
        let grants = detail(&app, code(&inviter)).await["grants"].clone();
        let rows = sheet(&app, "/api/v1/campaigns/tea/ledger.xlsx", "ledger").await;
        assert_eq!(rows.len(), 4, "header, two grants, total");
        assert_eq!(rows[0][0], Data::String("活动".into()));
        assert_eq!(rows[0][6], Data::String("金额（元）".into()));
        assert_eq!(rows[0][10], Data::String("发放时间（北京时间）".into()));
        for (row, grant) in rows[1..3].iter().zip(grants.as_array().unwrap()) {
            assert_eq!(row[1], Data::String(grant["grant_id"].as_str().unwrap().into()));
            assert_eq!(row[6], Data::Float(1.5), "amounts are numbers in yuan");
            assert_eq!(row[9], Data::String("已发放".into()));
            assert!(row[10].is_datetime(), "a real date: {:?}", row[10]);
            let at = row[10].as_datetime().unwrap().format("%Y-%m-%d %H:%M:%S").to_string();
            assert_eq!(at, beijing(&grant["granted_at"]), "in Beijing time");
        }
        assert_eq!(rows[3][0], Data::String("合计".into()));
        assert_eq!(rows[3][6], Data::Float(3.0));
        let english = sheet(&app, "/api/v1/campaigns/tea/ledger.xlsx?lang=en", "ledger").await;
        assert_eq!((&english[0][6], &english[3][0]), (&Data::String("Amount (yuan)".into()), &Data::String("Total".into())));
        let journal = sheet(&app, "/api/v1/campaigns/tea/journal.xlsx", "journal").await;
        assert_eq!(journal[0][0], Data::String("时间（北京时间）".into()));
        assert_eq!(journal.len(), 4);
        assert!(journal[1][0].is_datetime());
        assert_eq!((&journal[1][5], &journal[1][6]), (&Data::String("发放".into()), &Data::Float(1.5)));
        let all = sheet(&app, "/api/v1/ledger.xlsx?campaign=tea", "ledger").await;
        assert_eq!(all.len(), 4);
        let all_journal = sheet(&app, "/api/v1/journal.xlsx?status=granted", "journal").await;
        assert_eq!(all_journal[3][6], Data::Float(3.0));
    }

    async fn csv_exports_keep_the_contract_by_default_and_read_in_yuan_and_beijing_time_with_lang(app: TestApp) {
        app.create_campaign(cash_campaign()).await;
        let (inviter, _) = inviter_with_friends(&app, 1, 2).await;
        app.create_campaign(json!({"slug": "oolong", "title": "o", "budget": {"amount": 100_000}, "rules": [{"id": "pi", "kind": "per_invite", "reward": {"type": "cash", "amount": 1234}}]})).await;
        let other = app.join_ok("oolong", &mobile(50), None).await;
        app.join_ok("oolong", &mobile(51), Some(code(&other))).await;
        run_jobs(&app).await;
        let finance = app.token("finance").await;
        let grants = detail(&app, code(&inviter)).await["grants"].clone();
        let plain = text(&app, "/api/v1/campaigns/tea/ledger.csv", &finance).await;
        assert!(plain.starts_with("\u{feff}grant_id,participant_code,phone_masked,rule_id,reward_type,amount,currency,status,granted_at,paid_at,payout_id\n"));
        let zh = rows(&text(&app, "/api/v1/campaigns/tea/ledger.csv?lang=zh", &finance).await);
        assert_eq!(zh[0][..7], ["活动", "发放编号", "参与者编码", "手机号（脱敏）", "规则", "奖励类型", "金额（元）"]);
        assert_eq!((zh[1][0].as_str(), zh[1][3].as_str(), zh[1][5].as_str(), zh[1][6].as_str()), ("tea", "139****0001", "现金", "1.50"));
        assert_eq!(zh[1][10], beijing(&grants[0]["granted_at"]));
        assert_eq!(zh[3], ["合计", "", "", "", "", "", "3.00", "", "", "", "", "", ""]);
        let en = rows(&text(&app, "/api/v1/campaigns/tea/ledger.csv?lang=en", &finance).await);
        assert_eq!((en[0][6].as_str(), en[1][9].as_str(), en[3][0].as_str()), ("Amount (yuan)", "granted", "Total"));
        let today = beijing_today();
        let tomorrow = (Utc::now() + Duration::hours(32)).format("%Y-%m-%d").to_string();
        let within = rows(&text(&app, &format!("/api/v1/campaigns/tea/ledger.csv?lang=zh&from={today}&to={today}"), &finance).await);
        assert_eq!(within.len(), 4);
        let later = rows(&text(&app, &format!("/api/v1/campaigns/tea/ledger.csv?from={tomorrow}"), &finance).await);
        assert_eq!(later.len(), 1, "only the header: {later:?}");
        let paid = rows(&text(&app, "/api/v1/campaigns/tea/ledger.csv?lang=zh&status=paid,revoked", &finance).await);
        assert_eq!((paid.len(), paid[1][6].as_str()), (2, "0.00"));
        for bad in ["from=2026-02-30", "lang=fr", "status=lost", "from=2026-12-02&to=2026-12-01"] {
            let response = app.get_as(&format!("/api/v1/campaigns/tea/ledger.csv?{bad}"), &finance).await;
            assert_eq!(error_code(response).await, "invalid_query", "{bad}");
        }
        let journal = rows(&text(&app, "/api/v1/campaigns/tea/journal.csv?lang=zh", &finance).await);
        assert_eq!((journal[0][0].as_str(), journal[1][5].as_str(), journal[1][6].as_str()), ("时间（北京时间）", "发放", "1.50"));
        let all = rows(&text(&app, "/api/v1/ledger.csv?lang=en", &finance).await);
        let campaigns: Vec<&str> = all[1..all.len() - 1].iter().map(|r| r[0].as_str()).collect();
        assert_eq!((campaigns.len(), all.last().unwrap()[6].as_str()), (3, "15.34"));
        assert!(campaigns.contains(&"oolong") && campaigns.contains(&"tea"));
        let one = rows(&text(&app, "/api/v1/ledger.csv?campaign=oolong", &finance).await);
        assert_eq!((one.len(), one[1][5].as_str()), (2, "1234"), "the contract's columns, in fen");
        let all_journal = rows(&text(&app, "/api/v1/journal.csv", &finance).await);
        assert_eq!(all_journal.len(), 4);
        assert_eq!(app.get_as("/api/v1/ledger.csv?campaign=nope", &finance).await.status(), 404);
        let marketer = app.token("marketer").await;
        assert_eq!(app.get_as("/api/v1/ledger.csv", &marketer).await.status(), 403);
        assert_eq!(app.get_as("/api/v1/campaigns/tea/journal.xlsx", &marketer).await.status(), 403);
    }

    async fn payout_files_name_the_payee_for_finance_only_and_each_download_is_audited(app: TestApp) {
        app.create_campaign(cash_campaign()).await;
        let (_, id) = batch_for_named_inviter(&app).await;
        let path = format!("/api/v1/payouts/{id}.csv");
        for role in ["marketer", "viewer"] {
            let token = app.token(role).await;
            assert_eq!(app.get_as(&path, &token).await.status(), 403, "{role}");
        }
        assert!(audited_downloads(&app).await.is_empty(), "a refused download is not one");
        let finance = app.token("finance").await;
        let standard = rows(&text(&app, &path, &finance).await);
        assert_eq!(standard[0][9..], ["payee_phone", "payee_name", "wechat_openid", "amount_yuan"]);
        assert_eq!(standard.len(), 3);
        for line in &standard[1..] {
            assert_eq!((line[0].as_str(), line[4].as_str(), line[7].as_str()), (id.as_str(), "139****0001", "pending"));
            assert_eq!(line[9..], [mobile(1).as_str(), "张三", "", "1.50"], "the payee in full");
            assert_eq!(line[1].len(), 22, "a detail id Alipay and WeChat Pay accept: {}", line[1]);
            assert!(line[1].bytes().all(|b| b.is_ascii_alphanumeric()));
        }
        let alipay = rows(&text(&app, &format!("{path}?format=alipay"), &app.admin).await);
        assert_eq!(alipay[0], ["批次号", "付款日期", "付款人email", "账户名称", "总金额（元）", "总笔数"]);
        assert_eq!((alipay[1][0].as_str(), alipay[1][1].as_str(), alipay[1][4].as_str(), alipay[1][5].as_str()), (id.as_str(), beijing_today().replace('-', "").as_str(), "3.00", "2"));
        assert_eq!(alipay[2], ["商户流水号", "收款人email", "收款人姓名", "付款金额（元）", "付款理由"]);
        assert_eq!(alipay[3][..4], [standard[1][1].as_str(), mobile(1).as_str(), "张三", "1.50"]);
        assert_eq!(alipay.len(), 5);
        assert_eq!(error_code(app.get_as(&format!("{path}?format=xml"), &finance).await).await, "invalid_query");
        let audited = audited_downloads(&app).await;
        let expected = [("finance", "standard"), ("test admin", "alipay")].map(|(who, format)| (who.to_owned(), id.clone(), format.to_owned()));
        assert_eq!(audited, expected, "who downloaded which batch, in which format");
    }

    async fn a_provider_result_file_settles_lines_by_out_detail_no_and_a_replay_changes_nothing(app: TestApp) {
        app.create_campaign(cash_campaign()).await;
        let (inviter, _) = inviter_with_friends(&app, 1, 3).await;
        run_jobs(&app).await;
        let batch: Value = app.post_json("/api/v1/campaigns/tea/payouts", &app.admin, &json!({})).await.json().await.unwrap();
        let id = batch["id"].as_str().unwrap();
        let lines = rows(&text(&app, &format!("/api/v1/payouts/{id}.csv"), &app.admin).await);
        let detail_of = |n: usize| lines[n][1].clone();
        let file = format!(
            "批次号,{id}\n总笔数,3\n商户流水号,收款人email,收款人姓名,付款金额（元）,状态,失败原因,支付宝流水号\n\
             {},13900000002,,1.50,成功,,20881001\n{},13900000003,,1.50,失败,收款账户不存在,\n{},13900000004,,1.50,处理中,,\nNOPE0000000000000001,1,,1.50,成功,,\n",
            detail_of(1), detail_of(2), detail_of(3));
        let send = |body: String| app.api.post(app.url(&format!("/api/v1/payouts/{id}/results"))).bearer_auth(&app.admin).header("content-type", "text/csv").body(body).send();
        let out: Value = send(file.clone()).await.unwrap().json().await.unwrap();
        assert_eq!((out["paid"].as_i64(), out["failed"].as_i64(), out["unchanged"].as_i64()), (Some(1), Some(1), Some(0)), "{out}");
        let problems: Vec<(&str, &str)> = out["mismatches"].as_array().unwrap().iter().map(|m| (m["out_detail_no"].as_str().unwrap(), m["problem"].as_str().unwrap())).collect();
        assert_eq!(problems, vec![(detail_of(3).as_str(), "not final: 处理中"), ("NOPE0000000000000001", "not in this batch")]);
        let status_of = |grants: &Value, grant: &str| grants.as_array().unwrap().iter().find(|g| g["grant_id"] == grant).unwrap()["status"].clone();
        let grants = detail(&app, code(&inviter)).await["grants"].clone();
        assert_eq!(status_of(&grants, &lines[1][2]), "paid");
        assert_eq!(status_of(&grants, &lines[2][2]), "granted", "a failed line goes back to the queue");
        assert_eq!(status_of(&grants, &lines[3][2]), "paying");
        let journal_before = text(&app, "/api/v1/campaigns/tea/journal.csv", &app.admin).await;
        let again: Value = send(file).await.unwrap().json().await.unwrap();
        assert_eq!((again["paid"].as_i64(), again["failed"].as_i64(), again["unchanged"].as_i64()), (Some(0), Some(0), Some(2)));
        assert_eq!(text(&app, "/api/v1/campaigns/tea/journal.csv", &app.admin).await, journal_before, "a replay writes nothing");
        let journal = rows(&journal_before);
        let failed = journal.iter().find(|r| r[4] == "failed").unwrap();
        assert_eq!(failed[7], "收款账户不存在", "the provider's reason is in the journal");
        let bad = send("姓名,金额\n张三,1.50\n".into()).await.unwrap();
        assert_eq!(error_code(bad).await, "invalid_results");
        let rec: Value = app.get_as("/api/v1/campaigns/tea/reconciliation", &app.admin).await.json().await.unwrap();
        assert_eq!((rec["balanced"].as_bool(), rec["paid"].as_i64(), rec["unpaid"].as_i64()), (Some(true), Some(150), Some(300)), "{rec}");
    }

    async fn reconciliation_per_beijing_day_balances_and_lists_the_day_that_does_not(app: TestApp) {
        app.create_campaign(cash_campaign()).await;
        let (inviter, _) = inviter_with_friends(&app, 1, 2).await;
        run_jobs(&app).await;
        let grants = detail(&app, code(&inviter)).await["grants"].clone();
        let (moved, kept) = (grants[0]["grant_id"].as_str().unwrap().to_owned(), grants[1]["grant_id"].as_str().unwrap().to_owned());
        let batch: Value = app.post_json("/api/v1/campaigns/tea/payouts", &app.admin, &json!({})).await.json().await.unwrap();
        let results = json!([{"grant_id": kept, "status": "paid", "provider_ref": "p1"}]);
        app.post_json(&format!("/api/v1/payouts/{}/results", batch["id"].as_str().unwrap()), &app.admin, &results).await;
        let rec: Value = app.get_as("/api/v1/campaigns/tea/reconciliation", &app.admin).await.json().await.unwrap();
        let today = beijing_today();
        assert_eq!(rec["by_day"], json!([{"day": today, "granted": 300, "paid": 150, "unpaid": 150, "revoked": 0,
            "journal": {"granted": 300, "revoked": 0, "paid": 150, "failed": 0}, "balanced": true, "imbalances": []}]));
        // One grant made a day earlier: its journal follows it and both days balance.
        fission::with_db!(&*app.state.db, write, |pool| {
            sqlx::query("UPDATE grants SET granted_at = granted_at - 86400000 WHERE id = $1").bind(&moved).execute(pool).await.unwrap();
        });
        let rec: Value = app.get_as("/api/v1/campaigns/tea/reconciliation", &app.admin).await.json().await.unwrap();
        let yesterday = (Utc::now() + Duration::hours(8) - Duration::days(1)).format("%Y-%m-%d").to_string();
        let days: Vec<(&str, bool)> = rec["by_day"].as_array().unwrap().iter().map(|d| (d["day"].as_str().unwrap(), d["balanced"].as_bool().unwrap())).collect();
        assert_eq!(days, vec![(yesterday.as_str(), true), (today.as_str(), true)]);
        assert_eq!(rec["balanced"], true);
        // Yesterday's grant marked paid behind the journal's back.
        fission::with_db!(&*app.state.db, write, |pool| {
            sqlx::query("UPDATE grants SET status = 'paid' WHERE id = $1").bind(&moved).execute(pool).await.unwrap();
        });
        let rec: Value = app.get_as("/api/v1/campaigns/tea/reconciliation", &app.admin).await.json().await.unwrap();
        assert_eq!((rec["balanced"].as_bool(), rec["unbalanced_days"].clone()), (Some(false), json!([yesterday])));
        assert_eq!(rec["by_day"][0]["imbalances"], json!(["paid: grants vs journal: 150 != 0"]));
        assert_eq!(rec["by_day"][1]["balanced"], true);
    }
}
