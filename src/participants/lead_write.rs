//! Writing a new lead: the participant, its referral, its fraud flags and (when routed)
//! its seat, in one atomic job of the writer's group commit. On SQLite an unflagged lead
//! is stepped straight on the writer's handle ([`crate::db::direct`]) and a flagged one
//! goes through sqlx; on PostgreSQL an unflagged lead is written with the batch's other
//! leads in one statement ([`QueuedLead`], [`crate::db::set`]) and a flagged one is one
//! statement of its own (its flags one more). Always in a savepoint of the batch, and with
//! one list of the participant's values ([`NewLead::participant_params`]).

use std::sync::LazyLock;

use futures_util::future::BoxFuture;
use sqlx::{Arguments as _, FromRow, PgConnection, Postgres, Row, Sqlite, SqliteConnection};

use super::code::InviteCode;
use super::model::{Consent, ParticipantKind, ParticipantStatus};
use super::store::Participant;
use crate::db::direct::Direct;
use crate::db::set::{array_arguments, SetWrite};
use crate::db::statement::{self, Param};
use crate::db::{Db, Tx};
use crate::fraud::device::Device;
use crate::fraud::signals::Found;
use crate::fraud::FraudSettings;
use crate::groups::model::{Group, COLUMNS};
use crate::groups::routing::{
    open_group, route_new, route_new_direct, route_new_from_pool, RouteTerms, SEAT_CTES,
};

/// Stores `new` (with its seat when `seat`); `None` when the phone already took part.
pub(super) async fn store(
    db: &Db,
    new: NewLead,
    seat: Option<RouteTerms>,
    fraud: FraudSettings,
) -> Result<Option<(Participant, Option<Group>)>, sqlx::Error> {
    if let (Some(writer), true) = (db.direct_writer(), new.flags.is_empty()) {
        return writer
            .write(move |direct| write_direct(direct, &new, seat.as_ref()))
            .await;
    }
    if let (Some(sets), true) = (db.set_writer(), new.flags.is_empty()) {
        return sets.write(QueuedLead { new, seat }).await;
    }
    db.write_batched(move |tx| {
        Box::pin(async move {
            // PostgreSQL's one statement also takes the first open group's seat.
            let stored = match tx {
                Tx::Postgres(conn) => write_postgres(conn, &new, seat.as_ref()).await?,
                Tx::Sqlite(conn) => insert_lead(conn, &new).await?.then_some(None),
            };
            let Some(seated) = stored else {
                return Ok(None);
            };
            if !new.flags.is_empty() {
                crate::fraud::store::record(
                    tx,
                    &new.campaign_id,
                    &new.flags,
                    &fraud,
                    new.created_at,
                )
                .await?;
            }
            let group = match (&seat, seated) {
                (None, _) => None,
                (Some(_), Some(group)) => Some(group),
                // PostgreSQL's first open group filled in between (or none is open).
                (Some(terms), None) if matches!(tx, Tx::Postgres(_)) => {
                    route_new_from_pool(tx, terms).await?
                }
                (Some(terms), None) => route_new(tx, terms).await?,
            };
            Ok(Some((new.participant(), group)))
        })
    })
    .await
}

/// Everything one new lead writes: the participant, its fraud flags, its referral.
pub(super) struct NewLead {
    pub(super) id: String,
    pub(super) campaign_id: String,
    pub(super) code: InviteCode,
    pub(super) phone: String,
    pub(super) name: Option<String>,
    pub(super) channel: String,
    pub(super) generation: i64,
    pub(super) device: Device,
    pub(super) ip_hash: Option<String>,
    pub(super) consent: Consent,
    pub(super) created_at: i64,
    pub(super) created_day: String,
    /// (inviter id, state, hold_until, qualified_at)
    pub(super) referral: Option<(String, &'static str, Option<i64>, Option<i64>)>,
    pub(super) flags: Vec<Found>,
}

/// The participant's row, written by both ways of storing a lead; `$1`-`$19` are
/// [`NewLead::participant_params`].
macro_rules! insert_participant {
    () => {
        "INSERT INTO participants (id, campaign_id, code, phone, name, kind, channel, inviter_id, generation, status, \
         visitor_hash, ip_hash, created_at, created_day, consent_at, consent_text_sha256, consent_channel, \
         device_id, device_source, ua_profile, net_hint) \
         VALUES ($1, $2, $3, $4, $5, 'lead', $6, $7, $8, 'lead', $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) \
         ON CONFLICT (campaign_id, phone) DO NOTHING"
    };
}

const INSERT_REFERRAL: &str =
    "INSERT INTO referrals (invitee_id, inviter_id, campaign_id, state, created_at, hold_until, qualified_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// A lead on PostgreSQL in one statement: the participant (`p`, `$1`-`$19` as in
/// [`insert_participant!`]), its referral when `$20` (the inviter) is not NULL (`$21` state,
/// `$22` hold_until, `$23` qualified_at), and, routed, its seat ([`SEAT_CTES`], `$24`-`$25`).
/// One row: whether the participant was inserted, then the group's columns (NULL without a
/// seat). Four statements' round trips become one inside the batch, where every lead waits
/// for the one before it (they all take seats in the same group).
macro_rules! postgres_lead {
    () => {
        concat!(
            "WITH p AS (",
            insert_participant!(),
            " RETURNING id), \
             r AS (INSERT INTO referrals (invitee_id, inviter_id, campaign_id, state, created_at, hold_until, qualified_at) \
                   SELECT id, $20, $2, $21, $11, $22, $23 FROM p WHERE $20::text IS NOT NULL)"
        )
    };
}

const POSTGRES_LEAD: &str = concat!(
    postgres_lead!(),
    " SELECT EXISTS (SELECT 1 FROM p) AS inserted, NULL::text AS id"
);

static POSTGRES_ROUTED_LEAD: LazyLock<String> = LazyLock::new(|| {
    format!(
        concat!(
            postgres_lead!(),
            ", {seat} SELECT EXISTS (SELECT 1 FROM p) AS inserted, g.* FROM (SELECT 1) AS one LEFT JOIN g ON TRUE"
        ),
        seat = SEAT_CTES.as_str()
    )
});

/// The unflagged leads of one campaign in a PostgreSQL batch, in one statement: `$1`-`$24`
/// are arrays with one element per lead (in the batch's order, `n`): the participant's
/// values as in [`insert_participant!`], then the referral's state, hold and qualification
/// (used when the inviter, `inviter_id`, is not NULL), then the seat's time and the
/// reservation's end (NULL: not routed); `$25` is the campaign. The routed leads that were
/// inserted (`w`, numbered `k`) take seats in the first open group in fill order, as many
/// as it has left (`t`), locked first; one row per lead, in order: whether it was inserted,
/// then its group's columns (NULL without a seat: not routed, or past the first group's
/// seats, for the caller to seat from the pool).
static POSTGRES_LEADS: LazyLock<String> = LazyLock::new(|| {
    format!(
        concat!(
            "WITH i AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],                  $7::text[], $8::bigint[], $9::text[], $10::text[], $11::bigint[], $12::text[], $13::bigint[],                  $14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[],                  $21::bigint[], $22::bigint[], $23::bigint[], $24::bigint[]) WITH ORDINALITY                AS i (id, campaign_id, code, phone, name, channel, inviter_id, generation, visitor_hash, ip_hash,                      created_at, created_day, consent_at, consent_text_sha256, consent_channel, device_id,                      device_source, ua_profile, net_hint, ref_state, hold_until, qualified_at, seat_at, seat_until, n)),              p AS (INSERT INTO participants (id, campaign_id, code, phone, name, kind, channel, inviter_id, generation, status,                      visitor_hash, ip_hash, created_at, created_day, consent_at, consent_text_sha256, consent_channel,                      device_id, device_source, ua_profile, net_hint)                    SELECT id, campaign_id, code, phone, name, 'lead', channel, inviter_id, generation, 'lead',                      visitor_hash, ip_hash, created_at, created_day, consent_at, consent_text_sha256, consent_channel,                      device_id, device_source, ua_profile, net_hint FROM i ORDER BY n                    ON CONFLICT (campaign_id, phone) DO NOTHING RETURNING id),              r AS (INSERT INTO referrals (invitee_id, inviter_id, campaign_id, state, created_at, hold_until, qualified_at)                    SELECT i.id, i.inviter_id, i.campaign_id, i.ref_state, i.created_at, i.hold_until, i.qualified_at                    FROM i JOIN p ON p.id = i.id WHERE i.inviter_id IS NOT NULL ORDER BY i.n),              w AS (SELECT i.id, i.seat_at, i.seat_until, row_number() OVER (ORDER BY i.n) AS k                    FROM i JOIN p ON p.id = i.id WHERE i.seat_at IS NOT NULL),              f AS (SELECT id AS group_id, capacity - members - reserved AS free FROM groups                    WHERE EXISTS (SELECT 1 FROM w) AND ",
            open_group!("$25::text", "(SELECT max(seat_at) FROM w)"),
            " ORDER BY position, created_at, id LIMIT 1 FOR UPDATE),              t AS (SELECT group_id, LEAST(free, (SELECT count(*) FROM w)) AS taken FROM f),              g AS (UPDATE groups SET reserved = reserved + t.taken FROM t                    WHERE groups.id = t.group_id AND t.taken > 0 AND members + reserved + t.taken <= capacity                    RETURNING t.taken, {COLUMNS}),              a AS (INSERT INTO group_assignments (participant_id, group_id, campaign_id, state, assigned_at, reserved_until)                    SELECT w.id, g.id, $25, 'reserved', w.seat_at, w.seat_until FROM w JOIN g ON w.k <= g.taken ORDER BY w.k)              SELECT p.id IS NOT NULL AS inserted, g.* FROM i LEFT JOIN p ON p.id = i.id LEFT JOIN w ON w.id = i.id              LEFT JOIN g ON w.k <= g.taken ORDER BY i.n"
        ),
        COLUMNS = COLUMNS
    )
});

/// An unflagged lead on PostgreSQL, written with the other leads of its batch
/// ([`POSTGRES_LEADS`], one statement per campaign).
struct QueuedLead {
    new: NewLead,
    seat: Option<RouteTerms>,
}

impl QueuedLead {
    /// `$1`-`$24` of [`POSTGRES_LEADS`], this lead's element of each.
    fn params(&self) -> Vec<Param<'_>> {
        let seat = self.seat.as_ref().map(RouteTerms::seat_params);
        let mut params = Vec::with_capacity(24);
        params.extend(self.new.participant_params());
        params.extend(self.new.referral_terms());
        params.extend(seat.unwrap_or([Param::NullInt, Param::NullInt]));
        params
    }
}

impl SetWrite for QueuedLead {
    /// `None` when the phone had taken part, else the participant and its group.
    type Output = Option<(Participant, Option<Group>)>;

    fn write_all<'c>(
        conn: &'c mut PgConnection,
        leads: &'c [Self],
    ) -> BoxFuture<'c, Result<Vec<Self::Output>, sqlx::Error>> {
        Box::pin(async move {
            let mut out: Vec<Option<Self::Output>> = leads.iter().map(|_| None).collect();
            let mut campaigns: Vec<&str> =
                leads.iter().map(|l| l.new.campaign_id.as_str()).collect();
            campaigns.sort_unstable();
            campaigns.dedup();
            for campaign in campaigns {
                let these: Vec<usize> = (0..leads.len())
                    .filter(|&i| leads[i].new.campaign_id == campaign)
                    .collect();
                let params: Vec<Vec<Param<'_>>> =
                    these.iter().map(|&i| leads[i].params()).collect();
                let rows: Vec<&[Param<'_>]> = params.iter().map(|p| p.as_slice()).collect();
                let mut args = array_arguments(&rows).map_err(sqlx::Error::Encode)?;
                args.add(campaign).map_err(sqlx::Error::Encode)?;
                let answers = sqlx::query_with(POSTGRES_LEADS.as_str(), args)
                    .fetch_all(&mut *conn)
                    .await?;
                if answers.len() != these.len() {
                    return Err(sqlx::Error::Protocol(format!(
                        "{} leads written, {} answered",
                        these.len(),
                        answers.len()
                    )));
                }
                for (&i, row) in these.iter().zip(answers) {
                    let lead = &leads[i];
                    if !row.try_get::<bool, _>("inserted")? {
                        out[i] = Some(None);
                        continue;
                    }
                    let group = match (&lead.seat, row.try_get::<Option<String>, _>("id")?) {
                        (None, _) => None,
                        (Some(_), Some(_)) => Some(Group::from_row(&row)?),
                        // Past the first open group's seats (or none is open).
                        (Some(terms), None) => {
                            route_new_from_pool(&mut Tx::Postgres(&mut *conn), terms).await?
                        }
                    };
                    out[i] = Some(Some((lead.new.participant(), group)));
                }
            }
            Ok(out.into_iter().flatten().collect())
        })
    }
}

/// An unflagged lead with its referral (and its seat, with `seat`), stepped straight on
/// SQLite's handle; `None` when the phone already took part. The participant is built
/// from what was inserted: the row holds nothing else yet.
fn write_direct(
    direct: &mut Direct,
    new: &NewLead,
    seat: Option<&RouteTerms>,
) -> statement::Result<Option<(Participant, Option<Group>)>> {
    let inserted = direct.execute(insert_participant!(), &new.participant_params())?;
    if inserted == 0 {
        return Ok(None);
    }
    if let Some(referral) = new.referral_params() {
        direct.execute(INSERT_REFERRAL, &referral)?;
    }
    let group = match seat {
        Some(terms) => route_new_direct(direct, terms)?,
        None => None,
    };
    Ok(Some((new.participant(), group)))
}

impl NewLead {
    /// The participant as stored: new, so the row holds nothing else yet.
    fn participant(&self) -> Participant {
        Participant {
            id: self.id.clone(),
            campaign_id: self.campaign_id.clone(),
            code: self.code.as_str().to_owned(),
            phone: Some(self.phone.clone()),
            name: self.name.clone(),
            kind: ParticipantKind::Lead,
            channel: self.channel.clone(),
            inviter_id: self.referral.as_ref().map(|r| r.0.clone()),
            generation: self.generation,
            status: ParticipantStatus::Lead,
            visitor_hash: Some(self.device.id.clone()),
            created_at: self.created_at,
        }
    }

    /// `$1`-`$7` of [`INSERT_REFERRAL`], when the lead was invited.
    fn referral_params(&self) -> Option<[Param<'_>; 7]> {
        let (inviter_id, state, hold_until, qualified_at) = self.referral.as_ref()?;
        Some([
            self.id.as_str().into(),
            inviter_id.as_str().into(),
            self.campaign_id.as_str().into(),
            (*state).into(),
            self.created_at.into(),
            (*hold_until).into(),
            (*qualified_at).into(),
        ])
    }

    /// The referral's state, hold and qualification (NULL when the lead was not invited),
    /// as PostgreSQL's lead statements take them after the participant's values.
    fn referral_terms(&self) -> [Param<'_>; 3] {
        let referral = self.referral.as_ref();
        [
            referral.map(|r| r.1).into(),
            referral.and_then(|r| r.2).into(),
            referral.and_then(|r| r.3).into(),
        ]
    }

    /// `$1`-`$19` of [`insert_participant!`], for a statement stepped directly.
    fn participant_params(&self) -> [Param<'_>; 19] {
        [
            self.id.as_str().into(),
            self.campaign_id.as_str().into(),
            self.code.as_str().into(),
            self.phone.as_str().into(),
            self.name.as_deref().into(),
            self.channel.as_str().into(),
            self.referral.as_ref().map(|r| r.0.as_str()).into(),
            self.generation.into(),
            self.device.id.as_str().into(),
            self.ip_hash.as_deref().into(),
            self.created_at.into(),
            self.created_day.as_str().into(),
            self.consent.at_ms.into(),
            self.consent.text_sha256.as_str().into(),
            self.consent.channel.as_str().into(),
            self.device.id.as_str().into(),
            self.device.source.as_str().into(),
            self.device.ua_profile.as_str().into(),
            self.device.net_hint.as_str().into(),
        ]
    }
}

/// A lead on PostgreSQL ([`postgres_lead!`]), with its seat when `seat` (terms made for
/// this lead: its id and campaign): `None` when the phone had taken part, else the group
/// whose seat it took (`None` when the first open group had none left, or none is open).
async fn write_postgres(
    conn: &mut PgConnection,
    new: &NewLead,
    seat: Option<&RouteTerms>,
) -> Result<Option<Option<Group>>, sqlx::Error> {
    let mut params: Vec<Param> = Vec::with_capacity(25);
    params.extend(new.participant_params());
    params.push(new.referral.as_ref().map(|r| r.0.as_str()).into());
    params.extend(new.referral_terms());
    let sql = match seat {
        Some(terms) => {
            params.extend(terms.seat_params());
            POSTGRES_ROUTED_LEAD.as_str()
        }
        None => POSTGRES_LEAD,
    };
    let args = statement::arguments::<Postgres>(&params).map_err(sqlx::Error::Encode)?;
    let row = sqlx::query_with(sql, args).fetch_one(conn).await?;
    if !row.try_get::<bool, _>("inserted")? {
        return Ok(None);
    }
    let group = match row.try_get::<Option<String>, _>("id")? {
        Some(_) => Some(Group::from_row(&row)?),
        None => None,
    };
    Ok(Some(group))
}

/// Writes a lead and its referral through sqlx on SQLite (a flagged lead: its flags are
/// recorded in the same savepoint); false when the phone already took part.
async fn insert_lead(conn: &mut SqliteConnection, new: &NewLead) -> Result<bool, sqlx::Error> {
    let args =
        statement::arguments::<Sqlite>(&new.participant_params()).map_err(sqlx::Error::Encode)?;
    let inserted = sqlx::query_with(insert_participant!(), args)
        .execute(&mut *conn)
        .await?;
    if inserted.rows_affected() == 0 {
        return Ok(false);
    }
    if let Some(referral) = new.referral_params() {
        let args = statement::arguments::<Sqlite>(&referral).map_err(sqlx::Error::Encode)?;
        sqlx::query_with(INSERT_REFERRAL, args)
            .execute(&mut *conn)
            .await?;
    }
    Ok(true)
}
