//! `fission demo`: a ready campaign with a poster background, Chinese page content and
//! a few seed participants, so a newcomer sees the whole loop in a minute.

use chrono::Utc;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::assets::{service as uploads, store as assets};
use crate::audit::Actor;
use crate::campaigns::model::Status;
use crate::campaigns::store as campaigns;
use crate::campaigns::CampaignInput;
use crate::groups::model::GroupInput;
use crate::participants::seeds;
use crate::participants::Channel;
use crate::state::AppState;

const SLUG: &str = "spring-tea";
const BACKGROUND: &[u8] = include_bytes!("../static/demo/poster-bg.jpg");
const GROUP_QR: &[u8] = include_bytes!("../static/demo/group-qr.png");

pub async fn prepare(state: &AppState) -> anyhow::Result<String> {
    let base = &state.settings.public_url;
    let now = Utc::now();
    let demo = Actor::system("demo");
    let campaign = match campaigns::by_slug(&state.db, SLUG).await? {
        Some(existing) => existing,
        None => {
            let mut input = template(state, SLUG, "春茶上新 · 邀友品鉴").await?;
            input.status = Some(Status::Active);
            let campaign = crate::campaigns::service::create(state, input, &demo).await?;
            let qr = uploads::upload(state, GROUP_QR.to_vec(), &demo).await?;
            for name in ["春茶品鉴1群", "春茶品鉴2群"] {
                let group: GroupInput = serde_json::from_value(
                    json!({"name": name, "capacity": 200, "qr_asset": qr.id}),
                )?;
                crate::groups::service::create(state, SLUG, group, &demo).await?;
            }
            campaign
        }
    };
    let channel = Channel::parse("staff").expect("a valid channel");
    let names = [
        "店长小王".to_owned(),
        "茶艺师阿梅".to_owned(),
        "KOC-林同学".to_owned(),
    ];
    // A second start reuses the seeds of the first instead of adding more.
    let mut seeds =
        crate::participants::store::seeds(&state.db, &campaign.id, names.len() as i64).await?;
    if seeds.is_empty() {
        let offset = state.settings.report_utc_offset_minutes;
        let c = campaign.clone();
        seeds = state
            .db
            .write_tx(move |tx| {
                Box::pin(async move { seeds::create(tx, &c, &channel, &names, now, offset).await })
            })
            .await?;
    }
    let token =
        crate::auth::tokens::create(&state.db, "demo admin", crate::auth::Role::Admin, now).await?;
    let mut out = format!(
        "\nfission demo is running.\n\n  Landing page:   {base}/c/{SLUG}\n  Admin token:    {token}\n  Stats:          curl -H 'Authorization: Bearer {token}' {base}/api/v1/campaigns/{SLUG}/stats\n  OpenAPI:        {base}/api/v1/openapi.json\n\n  Seed participants (their invite links and posters):\n"
    );
    for seed in &seeds {
        out.push_str(&format!(
            "    {:<12} {base}/c/{SLUG}?ref={}\n                 {base}/c/{SLUG}/p/{}.png\n",
            seed.name.clone().unwrap_or_default(),
            seed.code,
            seed.code
        ));
    }
    out.push_str(&console_accounts(state).await?);
    out.push_str("\nPress Ctrl-C to stop.\n");
    Ok(out)
}

/// A demo marketer and a demo admin for the console, each with a fresh password (or
/// FISSION_DEMO_PASSWORD) on every start, printed so the person running the demo can sign in.
async fn console_accounts(state: &AppState) -> anyhow::Result<String> {
    use crate::users::{password, service, service::UserError};
    let base = &state.settings.public_url;
    let demo = Actor::system("demo");
    let fixed = std::env::var("FISSION_DEMO_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty());
    let mut out = String::from("\n  Console (sign in with these):\n");
    for (email, role) in [
        ("marketer@demo.fission", crate::auth::Role::Marketer),
        ("admin@demo.fission", crate::auth::Role::Admin),
    ] {
        let secret = fixed.clone().unwrap_or_else(password::generate);
        match service::create(&state.db, email, role, &secret, &demo).await {
            Err(UserError::EmailTaken) => {
                service::change_password(&state.db, email, &secret, &demo).await?;
            }
            other => {
                other?;
            }
        }
        out.push_str(&format!(
            "    console: {base}/admin  email: {email}  password: {secret}\n"
        ));
    }
    Ok(out)
}

/// The demo campaign as a ready template for the console's "新建活动": its page, poster,
/// qualification, budget and rules under a new slug and title, as a draft. The poster
/// background is stored once and shared by every campaign made from the template.
pub async fn template(state: &AppState, slug: &str, title: &str) -> anyhow::Result<CampaignInput> {
    let sha = hex::encode(Sha256::digest(BACKGROUND));
    let background = match assets::by_sha256(&state.db, &sha).await? {
        Some(existing) => existing,
        None => uploads::upload(state, BACKGROUND.to_vec(), &Actor::system("template")).await?,
    };
    Ok(serde_json::from_value(body(slug, title, &background.id))?)
}

fn body(slug: &str, title: &str, background: &str) -> serde_json::Value {
    json!({
        "slug": slug,
        "title": title,
        "status": "draft",
        "page": {
            "hero": {
                "headline": "春茶上新，邀好友一起品鉴",
                "subtitle": "明前龙井 · 产地直发 · 限量500份",
                "incentive": "邀请3位好友参与得5元红包，邀请5位得新茶礼盒",
                "badge": "限时活动",
                "cta": "免费领取试饮装"
            },
            "proof": {
                "title": "为什么选择我们",
                "certifications": ["SC食品生产许可", "有机产品认证", "原产地地理标志"],
                "experts": [{"name": "王师傅", "title": "国家一级评茶师，从业二十年"}],
                "testimonials": [
                    {"name": "李女士", "quote": "茶很香，群里每天都有品茶知识分享。"},
                    {"name": "陈先生", "quote": "第一次喝到这么新鲜的明前茶，已经推荐给同事。"}
                ],
                "items": [{"title": "48小时发货", "text": "采摘后真空锁鲜，产地直发。"}]
            },
            "closing": {
                "title": "还没领取？现在加入",
                "text": "留下手机号，入群即可领取试饮装，每天有茶艺师答疑。",
                "cta": "立即领取",
                "follow_text": "入群后回复“春茶”领取品鉴指南"
            }
        },
        "poster": poster(background),
        "qualification": {"require_group_join": false, "hold_hours": 0},
        "budget": {"amount": 100000, "currency": "CNY"},
        "rules": [
            {"id": "m3", "kind": "milestone", "invites": 3, "reward": {"type": "cash", "amount": 500}},
            {"id": "m5", "kind": "milestone", "invites": 5, "reward": {"type": "physical", "sku": "tea-gift", "stock": 100, "name": "新茶礼盒"}},
            {"id": "lb", "kind": "leaderboard", "top": 3, "reward": {"type": "physical", "sku": "tea-set", "stock": 3, "name": "紫砂茶具"}}
        ]
    })
}

/// The demo's two poster designs. 经典款 fills the white box the background leaves at the
/// bottom right: the nickname over a code of 256 px (6 px modules, still 3 px when the
/// poster is seen at half size) and a small round avatar. 简约款 is the plain background
/// made complete by server-drawn words: the headline, then a white card with the avatar,
/// the nickname, a 320 px code (7 px modules: rqrr misses 8 px ones halved smoothly) and
/// the incentive.
fn poster(background: &str) -> serde_json::Value {
    json!({
        "design_name": "经典款",
        "background_asset": background,
        "qr": {"x": 452, "y": 1004, "size": 256},
        "name": {"x": 596, "y": 972, "size": 24, "color": "#5b3a1e"},
        "avatar": {"x": 470, "y": 966, "size": 36},
        "alternates": [{
            "design_name": "简约款",
            "background_asset": null,
            "title": {"x": 360, "y": 140, "size": 64, "color": "#1f4d2b", "width": 620},
            "card": {"x": 90, "y": 450, "width": 540, "height": 610, "radius": 32},
            "avatar": {"x": 300, "y": 390, "size": 120},
            "name": {"x": 360, "y": 530, "size": 32, "color": "#333333"},
            "qr": {"x": 200, "y": 590, "size": 320},
            "incentive": {"x": 360, "y": 935, "size": 30, "color": "#b4462b", "width": 440}
        }]
    })
}
