-- Community groups: the pool behind a campaign's live code, who was routed where, and
-- every join/leave event the group tooling reported (kept even when unmatched).
CREATE TABLE groups (
    id TEXT PRIMARY KEY,
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('general', 'regional', 'category', 'vip')),
    capacity BIGINT NOT NULL CHECK (capacity > 0),
    qr_asset TEXT NOT NULL REFERENCES assets (id),
    expires_at BIGINT,
    position BIGINT NOT NULL,
    closed BOOLEAN NOT NULL DEFAULT FALSE,
    -- Confirmed members and seats held for people routed here who have not joined yet.
    members BIGINT NOT NULL DEFAULT 0 CHECK (members >= 0),
    reserved BIGINT NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX groups_by_campaign ON groups (campaign_id, position);

CREATE TABLE group_assignments (
    participant_id TEXT NOT NULL REFERENCES participants (id),
    group_id TEXT NOT NULL REFERENCES groups (id),
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    state TEXT NOT NULL CHECK (state IN ('reserved', 'expired', 'joined', 'left')),
    assigned_at BIGINT NOT NULL,
    reserved_until BIGINT,
    joined_at BIGINT,
    left_at BIGINT,
    -- Time of the latest event applied, so a late, older event cannot undo a newer one.
    last_event_at BIGINT,
    PRIMARY KEY (participant_id, group_id)
);
CREATE INDEX group_assignments_by_group ON group_assignments (group_id, state);
CREATE INDEX group_assignments_by_expiry ON group_assignments (state, reserved_until);
CREATE INDEX group_assignments_by_campaign ON group_assignments (campaign_id, participant_id);

-- Member references the group tooling uses for a person, learnt from earlier events.
CREATE TABLE member_refs (
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    member_ref TEXT NOT NULL,
    participant_id TEXT NOT NULL REFERENCES participants (id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, member_ref)
);

CREATE TABLE group_events (
    id TEXT PRIMARY KEY,
    group_id TEXT NOT NULL,
    campaign_id TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('member_joined', 'member_left')),
    participant_code TEXT,
    phone TEXT,
    member_ref TEXT,
    occurred_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('webhook', 'import')),
    participant_id TEXT REFERENCES participants (id),
    -- applied, stale (older than what we knew), unmatched, unknown_group
    status TEXT NOT NULL,
    matched_by TEXT
);
CREATE INDEX group_events_by_status ON group_events (campaign_id, status, received_at);
