//! A focus's peers: whoever shares its device, network hint or address. Every lead reads
//! them twice (before its write and in the look back after its commit), so on PostgreSQL
//! the read is made set-wise with the other leads asking at the same time ([`PeerAsk`]).

use std::sync::LazyLock;

use futures_util::future::BoxFuture;
use sqlx::PgConnection;

use crate::db::set_read::SetRead;
use crate::db::Db;
use crate::fraud::signals::Member;

/// A peer (same device, network hint or address) as the rules read it: whether it left
/// quickly or came back only matters among one inviter's invitees (the patterns), so a
/// peer list, read twice for every lead and up to 200 people long, skips the three
/// lookups per person that [`MEMBER`] makes for them.
const PEER: &str = concat!(
    member_select!(),
    "FALSE AS quick_left, FALSE AS returned FROM participants p WHERE "
);

/// A peer as read, with the list it is on (`device`, `hint` or `address`).
#[derive(sqlx::FromRow)]
pub(super) struct Peer {
    pub(super) list: String,
    #[sqlx(flatten)]
    pub(super) member: Member,
}

/// A UTC day of `created_at`, as the indexes of migration 0036 lead with it.
const DAY_MS: i64 = 86_400_000;

/// The three lists of a focus's peers: whoever shares its device (any time), network hint
/// or address (within the window), each list its own subquery with its own limit, tagged.
/// Peers carry no quick-leave or came-back facts (see [`PEER`]). The focus's values are
/// named by `[campaign, device, hint, address, since]`: parameters, or a set's columns;
/// `days` names the UTC days the window touches, the hint's and address's indexes'
/// second column (migration 0036).
fn peer_lists([campaign, device, hint, address, since]: [&str; 5], days: &str) -> String {
    let day = format!("p.created_at / {DAY_MS}");
    format!(
        "SELECT 'device' AS list, d.* FROM ({PEER}p.campaign_id = {campaign} AND p.device_id = {device} \
           LIMIT 50) AS d \
         UNION ALL SELECT 'hint' AS list, h.* FROM ({PEER}p.campaign_id = {campaign} AND {day} {days} \
           AND p.net_hint = {hint} AND p.created_at >= {since} LIMIT 50) AS h \
         UNION ALL SELECT 'address' AS list, a.* FROM ({PEER}p.campaign_id = {campaign} AND {day} {days} \
           AND p.ip_hash = {address} AND p.created_at >= {since} LIMIT 100) AS a"
    )
}

const SQLITE_PARAMS: [&str; 5] = ["$1", "$2", "$3", "$4", "$5"];

/// One focus's peers whose window lies in one UTC day (SQLite): one seek a list. Most
/// windows do (ten minutes by default); SQLite reads an `IN` list through a temporary
/// index made per statement, which cost the common case a fifth more.
static PEERS_ONE_DAY: LazyLock<String> = LazyLock::new(|| peer_lists(SQLITE_PARAMS, "= $6"));

/// One focus's peers whose window spans midnight (SQLite): a window is at most a day
/// (`fraud.ip_burst_minutes`), so two days.
static PEERS_TWO_DAYS: LazyLock<String> =
    LazyLock::new(|| peer_lists(SQLITE_PARAMS, "IN ($6, $7)"));

/// Many foci's peers in one statement (PostgreSQL), each row tagged with its focus's place.
static PEERS_OF_MANY: LazyLock<String> = LazyLock::new(|| {
    let lists = peer_lists(
        [
            "f.campaign_id",
            "f.device_id",
            "f.net_hint",
            "f.ip_hash",
            "f.since",
        ],
        "IN (f.first_day, f.last_day)",
    );
    format!(
        "SELECT f.i, x.* FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[], \
         $6::int8[], $7::int8[]) \
         WITH ORDINALITY AS f (campaign_id, device_id, net_hint, ip_hash, since, first_day, last_day, i) \
         CROSS JOIN LATERAL ({lists}) AS x"
    )
});

/// The focus's peers in the window `[since, now]` (device peers at any time), in one read.
/// On PostgreSQL the read is made with those of the other leads asking at the same time
/// ([`PeerAsk`]).
pub(super) async fn peers(
    db: &Db,
    campaign_id: &str,
    focus: &Member,
    since: i64,
    now: i64,
) -> sqlx::Result<Vec<Peer>> {
    let (first_day, last_day) = (since / DAY_MS, now.max(since) / DAY_MS);
    match db {
        // SQLite's reads are in the process and cost no round trip.
        Db::Sqlite { reader, .. } => {
            let one_day = first_day == last_day;
            let sql = if one_day {
                &PEERS_ONE_DAY
            } else {
                &PEERS_TWO_DAYS
            };
            let query = sqlx::query_as(sql)
                .bind(campaign_id)
                .bind(focus.device_id.as_deref())
                .bind(focus.net_hint.as_deref())
                .bind(focus.ip_hash.as_deref())
                .bind(since)
                .bind(first_day);
            let query = if one_day { query } else { query.bind(last_day) };
            query.fetch_all(reader).await
        }
        Db::Postgres { reader, .. } => {
            let ask = PeerAsk {
                campaign_id: campaign_id.to_owned(),
                device_id: focus.device_id.clone(),
                net_hint: focus.net_hint.clone(),
                ip_hash: focus.ip_hash.clone(),
                since,
                days: (first_day, last_day),
            };
            reader.read(ask).await
        }
    }
}

/// What [`peers`] reads for one focus, as a set-wise read.
struct PeerAsk {
    campaign_id: String,
    device_id: Option<String>,
    net_hint: Option<String>,
    ip_hash: Option<String>,
    since: i64,
    /// The window's first and last UTC day.
    days: (i64, i64),
}

#[derive(sqlx::FromRow)]
struct AskedPeer {
    /// The focus's place among the items, from 1.
    i: i64,
    #[sqlx(flatten)]
    peer: Peer,
}

impl SetRead for PeerAsk {
    type Output = Vec<Peer>;

    fn read_all<'c>(
        conn: &'c mut PgConnection,
        items: &'c [Self],
    ) -> BoxFuture<'c, Result<Vec<Vec<Peer>>, sqlx::Error>> {
        Box::pin(async move {
            let texts = |value: fn(&PeerAsk) -> Option<&str>| -> Vec<Option<&str>> {
                items.iter().map(value).collect()
            };
            let rows: Vec<AskedPeer> = sqlx::query_as(&PEERS_OF_MANY)
                .bind(texts(|a| Some(a.campaign_id.as_str())))
                .bind(texts(|a| a.device_id.as_deref()))
                .bind(texts(|a| a.net_hint.as_deref()))
                .bind(texts(|a| a.ip_hash.as_deref()))
                .bind(items.iter().map(|a| a.since).collect::<Vec<i64>>())
                .bind(items.iter().map(|a| a.days.0).collect::<Vec<i64>>())
                .bind(items.iter().map(|a| a.days.1).collect::<Vec<i64>>())
                .fetch_all(conn)
                .await?;
            let mut lists: Vec<Vec<Peer>> = items.iter().map(|_| Vec::new()).collect();
            for row in rows {
                let list = usize::try_from(row.i - 1)
                    .ok()
                    .and_then(|place| lists.get_mut(place))
                    .ok_or_else(|| {
                        sqlx::Error::Protocol(format!(
                            "a peer of focus {} of {}",
                            row.i,
                            items.len()
                        ))
                    })?;
                list.push(row.peer);
            }
            Ok(lists)
        })
    }
}
