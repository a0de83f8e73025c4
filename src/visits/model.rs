/// One page view, as the landing page hands it to the recorder.
#[derive(Debug, Clone)]
pub struct Visit {
    pub campaign_id: String,
    pub channel: String,
    pub ref_code: Option<String>,
    pub visitor_hash: String,
    pub is_bot: bool,
    pub user_agent: String,
    pub at_ms: i64,
}
