//! The console's participant pages: search and state filter, the participant's chain in
//! plain words, groups, flags, grants and journal, the CSV of the current filter, and
//! phones full only for admins.

use fission::auth::Role;

use crate::both_backends;
use crate::console_browser::Browser;
use crate::participants_search::people;
use crate::rewards::code;

both_backends! {
    async fn a_marketer_finds_a_participant_by_last_four_and_reads_their_chain(app: TestApp) {
        let (inviter, held, counted) = people(&app).await;
        let (marketer, _) = Browser::signed_in(&app, Role::Marketer).await;
        let (status, campaigns) = marketer.page("/admin/campaigns").await;
        assert_eq!(status, 200);
        assert!(campaigns.contains("href=\"/admin/campaigns/tea/participants\""), "linked from the campaign list");

        let (status, html) = marketer.page("/admin/campaigns/tea/participants?q=0001").await;
        assert_eq!(status, 200);
        assert!(html.contains(&format!("data-code=\"{}\"", code(&inviter))), "{html}");
        assert!(!html.contains(&format!("data-code=\"{}\"", held[0])), "only the match");
        assert!(html.contains("139****0001") && !html.contains("13900000001"));
        assert!(html.contains("href=\"participants.csv?q=0001&amp;state=\""), "the download keeps the filter");

        let (status, page) = marketer.page(&format!("/admin/campaigns/tea/participants/{}", code(&inviter))).await;
        assert_eq!(status, 200);
        let row = |c: &str| {
            let at = page.find(&format!("data-invitee=\"{c}\"")).unwrap_or_else(|| panic!("{c} listed"));
            page[at..at + page[at..].find("</tr>").unwrap()].to_owned()
        };
        assert!(row(code(&counted[0])).contains("已计入"));
        let held_row = row(&held[0]);
        assert!(held_row.contains("待审核") && held_row.contains("与邀请人同设备"), "{held_row}");
        let rejected_row = row(&held[1]);
        assert!(rejected_row.contains("未计入") && rejected_row.contains("审核未通过"), "{rejected_row}");
        assert!(page.contains("¥1.00") && page.contains("已发放"), "grants in yuan with their state");
        assert!(page.contains("自然流量"), "no inviter, said in words");
        assert!(page.contains("139****0001") && !page.contains("13900000001"));

        let (_, friend) = marketer.page(&format!("/admin/campaigns/tea/participants/{}", held[0])).await;
        assert!(friend.contains(&format!("href=\"/admin/campaigns/tea/participants/{}\"", code(&inviter))), "a link up the chain");
        assert!(friend.contains("⚑ 与邀请人同设备"), "the flag with its rule");

        let (status, flagged) = marketer.page("/admin/campaigns/tea/participants?state=flagged").await;
        assert_eq!(status, 200);
        assert!(flagged.contains(&format!("data-code=\"{}\"", held[0])) && !flagged.contains(&format!("data-code=\"{}\"", code(&inviter))));
        let (status, _) = marketer.page("/admin/campaigns/tea/participants?state=nobody").await;
        assert_eq!(status, 400);
        assert_eq!(marketer.get("/admin/campaigns/tea/participants/nobody").await.status(), 404);

        let file = marketer.get("/admin/campaigns/tea/participants.csv?q=0001&state=").await;
        assert_eq!(file.status(), 200);
        let text = file.text().await.unwrap();
        assert!(text.contains("参与者编码") && text.contains("139****0001") && text.lines().count() == 2, "{text}");
    }

    async fn admins_see_full_phone_numbers_on_the_pages(app: TestApp) {
        let (inviter, _, _) = people(&app).await;
        let (admin, _) = Browser::signed_in(&app, Role::Admin).await;
        let (_, list) = admin.page("/admin/campaigns/tea/participants?q=0001").await;
        assert!(list.contains("13900000001"), "{list}");
        let (_, page) = admin.page(&format!("/admin/campaigns/tea/participants/{}", code(&inviter))).await;
        assert!(page.contains("13900000001"));
        let (viewer, _) = Browser::signed_in(&app, Role::Viewer).await;
        let (status, page) = viewer.page(&format!("/admin/campaigns/tea/participants/{}", code(&inviter))).await;
        assert_eq!(status, 200);
        assert!(!page.contains("13900000001"));
        let signed_out = Browser::new(&app).get("/admin/campaigns/tea/participants").await;
        assert_eq!(signed_out.status(), 303);
    }
}
