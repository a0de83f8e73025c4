use super::*;

fn member(
    id: &str,
    inviter: Option<&str>,
    phone: &str,
    device: &str,
    profile: &str,
    ip: &str,
    at: i64,
) -> Member {
    Member {
        id: id.into(),
        inviter_id: inviter.map(Into::into),
        phone: Some(phone.into()),
        device_id: Some(device.into()),
        device_source: Some("cookie".into()),
        ua_profile: Some(profile.into()),
        net_hint: Some(format!("{ip}|{profile}")),
        ip_hash: Some(ip.into()),
        created_at: at,
        quick_left: false,
        returned: false,
    }
}

fn rules_of(found: &[Found], id: &str) -> Vec<Rule> {
    found
        .iter()
        .filter(|f| f.participant_id == id)
        .map(|f| f.rule)
        .collect()
}

fn around(inviter: Member, siblings: Vec<Member>) -> Neighbourhood {
    Neighbourhood {
        focus: siblings.last().map(|m| m.id.clone()).unwrap_or_default(),
        inviter: Some(inviter),
        siblings,
        now: 1_000_000,
        ..Neighbourhood::default()
    }
}

#[test]
fn an_office_behind_one_address_is_normal() {
    let boss = member("boss", None, "13900000100", "d0", "p0", "office", 999_000);
    let staff: Vec<Member> = (1..=8)
        .map(|i| {
            member(
                &format!("s{i}"),
                Some("boss"),
                &format!("1390000{:04}", i * 37),
                &format!("d{i}"),
                &format!("p{i}"),
                "office",
                999_000 + i,
            )
        })
        .collect();
    let mut n = around(boss, staff.clone());
    n.address_peers = staff;
    assert!(judge(&n, &FraudSettings::default()).is_empty());
}

#[test]
fn the_inviters_own_phone_and_its_cleared_cookies_are_found() {
    let me = member("me", None, "13900000001", "d0", "p0", "home", 999_000);
    let own = member("own", Some("me"), "13800000777", "d0", "p0", "4g", 999_100);
    let cleared: Vec<Member> = (1..=3)
        .map(|i| {
            member(
                &format!("c{i}"),
                Some("me"),
                &format!("1370000{:04}", i * 91),
                &format!("new{i}"),
                "p0",
                "home",
                999_200 + i,
            )
        })
        .collect();
    let mut siblings = cleared.clone();
    siblings.push(own);
    let mut n = around(me, siblings);
    n.hint_peers = cleared;
    let found = judge(&n, &FraudSettings::default());
    assert!(rules_of(&found, "own").contains(&Rule::SameDeviceAsInviter));
    let c1 = rules_of(&found, "c1");
    assert!(
        c1.contains(&Rule::SameNetworkAsInviter) && c1.contains(&Rule::ManyDevicesOneHint),
        "{c1:?}"
    );
    let score = crate::fraud::risk_score(
        found
            .iter()
            .filter(|f| f.participant_id == "c1")
            .map(|f| f.weight),
    );
    assert!(score >= 50);
}

#[test]
fn a_farm_sharing_a_rare_profile_is_found_back_to_its_first_lead() {
    let boss = member("boss", None, "13900000001", "d0", "p0", "a", 0);
    let farm: Vec<Member> = (1..=5)
        .map(|i| {
            member(
                &format!("f{i}"),
                Some("boss"),
                &format!("1710000{:04}", i),
                &format!("d{i}"),
                "emulator",
                &format!("ip{i}"),
                999_000 + i,
            )
        })
        .collect();
    let mut n = around(boss, farm);
    n.leads_elsewhere = 100;
    let found = judge(&n, &FraudSettings::default());
    for id in ["f1", "f5"] {
        let rules = rules_of(&found, id);
        assert!(
            rules.contains(&Rule::RareSharedUa)
                && rules.contains(&Rule::ConsecutiveNumbers)
                && rules.contains(&Rule::VirtualOperator),
            "{rules:?}"
        );
    }
    // A popular profile is no evidence.
    n.profile_elsewhere = 40;
    assert!(!rules_of(&judge(&n, &FraudSettings::default()), "f1").contains(&Rule::RareSharedUa));
}

#[test]
fn virtual_numbers_alone_never_reach_the_hold() {
    let boss = member("boss", None, "13900000001", "d0", "p0", "a", 0);
    let friends: Vec<Member> = (1..=4)
        .map(|i| {
            member(
                &format!("v{i}"),
                Some("boss"),
                &format!("170{:04}{:04}", i * 1301, i * 7),
                &format!("d{i}"),
                &format!("p{i}"),
                &format!("ip{i}"),
                999_000 + i * 997,
            )
        })
        .collect();
    let found = judge(&around(boss, friends), &FraudSettings::default());
    let score = crate::fraud::risk_score(
        found
            .iter()
            .filter(|f| f.participant_id == "v1")
            .map(|f| f.weight),
    );
    assert!(
        score > 0 && score < FraudSettings::default().hold_score,
        "{found:?}"
    );
}

#[test]
fn invitees_who_never_come_back_weigh_but_do_not_hold() {
    let boss = member("boss", None, "13900000001", "d0", "p0", "a", 0);
    let day = 24 * 3_600_000;
    let mut gone: Vec<Member> = (0..5)
        .map(|i| {
            member(
                &format!("g{i}"),
                Some("boss"),
                &format!("1390{:07}", i * 7_919_993),
                &format!("d{}", i + 1),
                &format!("p{i}"),
                &format!("ip{i}"),
                i * 7_000,
            )
        })
        .collect();
    let mut n = around(boss, gone.clone());
    n.now = 2 * day;
    let found = judge(&n, &FraudSettings::default());
    assert_eq!(rules_of(&found, "g0"), vec![Rule::NoReturn]);
    assert!(found
        .iter()
        .all(|f| f.weight < FraudSettings::default().hold_score));
    for m in &mut gone[..2] {
        m.returned = true;
    }
    n.siblings = gone;
    assert!(
        judge(&n, &FraudSettings::default()).is_empty(),
        "60% gone is normal"
    );
}

#[test]
fn scripted_regular_intervals_are_found() {
    let boss = member("boss", None, "13900000001", "d0", "p0", "a", 0);
    let paced: Vec<Member> = (0..6)
        .map(|i| {
            member(
                &format!("r{i}"),
                Some("boss"),
                &format!("1390{:07}", i * 104_729),
                &format!("d{i}"),
                &format!("p{i}"),
                &format!("ip{i}"),
                900_000 + i * 15_000,
            )
        })
        .collect();
    let found = judge(&around(boss, paced), &FraudSettings::default());
    assert!(
        rules_of(&found, "r0").contains(&Rule::RegularIntervals),
        "{found:?}"
    );
}
