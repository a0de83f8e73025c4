//! Who is asking: the client IP (forwarded headers trusted only from configured
//! proxies) and the user agent, cropped before anything stores it.

use std::net::IpAddr;

use actix_web::HttpRequest;

pub fn client_ip(req: &HttpRequest, trusted_proxies: &[IpAddr]) -> Option<IpAddr> {
    let peer = req.peer_addr().map(|a| a.ip())?;
    if !trusted_proxies.contains(&peer) {
        return Some(peer);
    }
    // Walk X-Forwarded-For from the right, skipping our own proxies.
    let forwarded = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    forwarded
        .rsplit(',')
        .filter_map(|s| s.trim().parse::<IpAddr>().ok())
        .find(|ip| !trusted_proxies.contains(ip))
        .or(Some(peer))
}

/// The credentials of an `Authorization: Bearer` header; the scheme is case-insensitive
/// (RFC 7235).
pub fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, credentials) = value.trim_start().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| credentials.trim())
        .filter(|c| !c.is_empty())
}

pub fn user_agent(req: &HttpRequest) -> &str {
    let ua = req
        .headers()
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    crop(ua, 256)
}

pub fn crop(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s; // no more characters than bytes
    }
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Link-preview crawlers and bots: their views are kept but flagged, never counted.
pub fn is_bot(user_agent: &str) -> bool {
    // One automaton for every marker, case-insensitive: a page view reads its user agent
    // once, with no lowercased copy. A DFA (a few KB for these markers) is one table
    // lookup per byte.
    static CRAWLERS: std::sync::LazyLock<aho_corasick::AhoCorasick> =
        std::sync::LazyLock::new(|| {
            aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                .build(MARKERS)
                .expect("the crawler markers are plain text")
        });
    const MARKERS: &[&str] = &[
        "bot",
        "spider",
        "crawl",
        "slurp",
        "preview",
        "facebookexternalhit",
        "whatsapp",
        "telegram",
        "slack",
        "discord",
        "curl/",
        "wget/",
        "python-requests",
        "python-urllib",
        "go-http-client",
        "headlesschrome",
        "lighthouse",
        "okhttp",
        "java/",
        "libwww",
        "httpclient",
        "scrapy",
        "bytespider",
        "yisouspider",
        "mediapartners",
    ];
    user_agent.is_empty() || CRAWLERS.is_match(user_agent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_count_and_crawlers_do_not() {
        let wechat = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47";
        assert!(!is_bot(wechat));
        assert!(is_bot("facebookexternalhit/1.1"));
        assert!(is_bot("Mozilla/5.0 (compatible; Googlebot/2.1)"));
        assert!(is_bot("TelegramBot (like TwitterBot)"));
        assert!(is_bot(""));
    }

    #[test]
    fn crop_respects_character_boundaries() {
        assert_eq!(crop("春茶上新", 2), "春茶");
        assert_eq!(crop("ab", 5), "ab");
    }
}
