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

/// The three lists of a focus's peers: whoever shares its device (any time), network hint
/// or address (within the window), each list its own subquery with its own limit, tagged.
/// Peers carry no quick-leave or came-back facts (see [`PEER`]). The focus's values are
/// named by `[campaign, device, hint, address, since]`: parameters, or a set's columns.
fn peer_lists([campaign, device, hint, address, since]: [&str; 5]) -> String {
    format!(
        "SELECT 'device' AS list, d.* FROM ({PEER}p.campaign_id = {campaign} AND p.device_id = {device} \
           LIMIT 50) AS d \
         UNION ALL SELECT 'hint' AS list, h.* FROM ({PEER}p.campaign_id = {campaign} \
           AND p.net_hint = {hint} AND p.created_at >= {since} LIMIT 50) AS h \
         UNION ALL SELECT 'address' AS list, a.* FROM ({PEER}p.campaign_id = {campaign} \
           AND p.ip_hash = {address} AND p.created_at >= {since} LIMIT 100) AS a"
    )
}

/// One focus's peers (SQLite).
static PEERS: LazyLock<String> = LazyLock::new(|| peer_lists(["$1", "$2", "$3", "$4", "$5"]));

/// Many foci's peers in one statement (PostgreSQL), each row tagged with its focus's place.
static PEERS_OF_MANY: LazyLock<String> = LazyLock::new(|| {
    let lists = peer_lists([
        "f.campaign_id",
        "f.device_id",
        "f.net_hint",
        "f.ip_hash",
        "f.since",
    ]);
    format!(
        "SELECT f.i, x.* FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[]) \
         WITH ORDINALITY AS f (campaign_id, device_id, net_hint, ip_hash, since, i) \
         CROSS JOIN LATERAL ({lists}) AS x"
    )
});

/// The focus's peers, in one read. On PostgreSQL the read is made with those of the other
/// leads asking at the same time ([`PeerAsk`]).
pub(super) async fn peers(
    db: &Db,
    campaign_id: &str,
    focus: &Member,
    since: i64,
) -> sqlx::Result<Vec<Peer>> {
    match db {
        // SQLite's reads are in the process and cost no round trip.
        Db::Sqlite { reader, .. } => {
            sqlx::query_as(&PEERS)
                .bind(campaign_id)
                .bind(focus.device_id.as_deref())
                .bind(focus.net_hint.as_deref())
                .bind(focus.ip_hash.as_deref())
                .bind(since)
                .fetch_all(reader)
                .await
        }
        Db::Postgres { reader, .. } => {
            let ask = PeerAsk {
                campaign_id: campaign_id.to_owned(),
                device_id: focus.device_id.clone(),
                net_hint: focus.net_hint.clone(),
                ip_hash: focus.ip_hash.clone(),
                since,
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
