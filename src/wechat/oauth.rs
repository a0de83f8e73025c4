//! WeChat web authorisation (网页授权) for an official account: the authorise URL the
//! visitor is sent to, and the server-side exchange of the returned `code` for the
//! visitor's openid (and, with `snsapi_userinfo`, their nickname and avatar). The app
//! secret and access tokens stay on the server: errors never carry the request URL.

use serde::Deserialize;

use crate::config::WechatOAuth;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Silent: the openid only.
    Base,
    /// Asks the person once: nickname and avatar too.
    UserInfo,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Base => "snsapi_base",
            Scope::UserInfo => "snsapi_userinfo",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        match s {
            "snsapi_base" => Some(Scope::Base),
            "snsapi_userinfo" => Some(Scope::UserInfo),
            _ => None,
        }
    }
}

/// True for WeChat's in-app browser.
pub fn in_wechat(user_agent: &str) -> bool {
    user_agent.contains("MicroMessenger")
}

fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Where the visitor goes to authorise; WeChat sends them back to `redirect_uri` with
/// `code` and `state`.
pub fn authorize_url(
    config: &WechatOAuth,
    redirect_uri: &str,
    scope: Scope,
    state: &str,
) -> String {
    format!(
        "{}/connect/oauth2/authorize?appid={}&redirect_uri={}&response_type=code&scope={}&state={}#wechat_redirect",
        config.oauth_base,
        encode(&config.app_id),
        encode(redirect_uri),
        scope.as_str(),
        state
    )
}

/// Who the visitor is, as WeChat says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub openid: String,
    pub nickname: Option<String>,
    pub avatar_url: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("WeChat could not be reached: {0}")]
    Transport(reqwest::Error),
    #[error("WeChat answered errcode {code}: {message}")]
    WeChat { code: i64, message: String },
    #[error("WeChat's answer could not be read: {0}")]
    Unreadable(String),
}

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
    access_token: Option<String>,
    openid: Option<String>,
    nickname: Option<String>,
    headimgurl: Option<String>,
}

async fn get(client: &reqwest::Client, url: String) -> Result<Answer, OAuthError> {
    let response = client
        .get(url)
        .send()
        .await
        .map_err(|e| OAuthError::Transport(e.without_url()))?;
    let body = response
        .bytes()
        .await
        .map_err(|e| OAuthError::Transport(e.without_url()))?;
    let answer: Answer =
        serde_json::from_slice(&body).map_err(|e| OAuthError::Unreadable(e.to_string()))?;
    if answer.errcode != 0 {
        return Err(OAuthError::WeChat {
            code: answer.errcode,
            message: answer.errmsg,
        });
    }
    Ok(answer)
}

/// Exchanges the code (`sns/oauth2/access_token`), then with `snsapi_userinfo` reads the
/// profile (`sns/userinfo`).
pub async fn exchange(
    client: &reqwest::Client,
    config: &WechatOAuth,
    code: &str,
    scope: Scope,
) -> Result<Identity, OAuthError> {
    let secret = String::from_utf8_lossy(&config.app_secret.0);
    let url = format!(
        "{}/sns/oauth2/access_token?appid={}&secret={}&code={}&grant_type=authorization_code",
        config.api_base,
        encode(&config.app_id),
        encode(&secret),
        encode(code)
    );
    let token = get(client, url).await?;
    let (Some(access_token), Some(openid)) = (token.access_token, token.openid) else {
        return Err(OAuthError::Unreadable("no access_token or openid".into()));
    };
    if scope == Scope::Base {
        return Ok(Identity {
            openid,
            nickname: None,
            avatar_url: None,
        });
    }
    let url = format!(
        "{}/sns/userinfo?access_token={}&openid={}&lang=zh_CN",
        config.api_base,
        encode(&access_token),
        encode(&openid)
    );
    let profile = get(client, url).await?;
    Ok(Identity {
        openid,
        nickname: profile.nickname.filter(|n| !n.trim().is_empty()),
        avatar_url: profile
            .headimgurl
            .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    #[test]
    fn the_authorise_url_is_the_documented_one() {
        let config = WechatOAuth {
            app_id: "wx520c15f417810387".into(),
            app_secret: Secret(b"x".to_vec()),
            api_base: "https://api.weixin.qq.com".into(),
            oauth_base: "https://open.weixin.qq.com".into(),
        };
        let url = authorize_url(
            &config,
            "https://fission.example/c/tea/wechat/callback",
            Scope::Base,
            "abc123",
        );
        assert_eq!(
            url,
            "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx520c15f417810387\
             &redirect_uri=https%3A%2F%2Ffission%2Eexample%2Fc%2Ftea%2Fwechat%2Fcallback\
             &response_type=code&scope=snsapi_base&state=abc123#wechat_redirect"
        );
    }

    #[test]
    fn only_wechats_browser_is_wechat() {
        assert!(in_wechat("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN"));
        assert!(!in_wechat(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1"
        ));
    }
}
