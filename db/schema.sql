-- stalkerwatch database schema, version 1 (PRAGMA user_version = 1).
--
-- Compiled into the binary (sw_schema_sql) and applied by db_open() to a new
-- database inside one transaction; db_open() then sets user_version.  Later
-- versions are migration steps in db/db.c, never edits of this file's
-- meaning.  Documented, with example queries, in docs/schema.md.
--
-- Times are UTC text 'YYYY-MM-DD HH:MM:SS.ffffff' (fixed width, so text
-- order is time order and min()/max() work; SQLite's date functions read it:
-- last_seen >= datetime('now', '-1 day')).  Addresses are inet_ntop text,
-- MACs 'aa:bb:cc:dd:ee:ff'.  Everything that came from the wire (hostname,
-- path, query, DHCP names) is stored as seen: escape it before printing.

-- One row per aggregation key; count is the number of events (each
-- ClientHello, request or query adds one).
CREATE TABLE hits (
	id             INTEGER PRIMARY KEY,
	-- the aggregation key (see hits_key below)
	client_ip      TEXT NOT NULL,           -- '' when unknown
	client_mac     TEXT,                    -- NULL when the link had none
	kind           TEXT NOT NULL,           -- sni quic http uri dns ech resolved ip
	hostname       TEXT NOT NULL,           -- normalised name as seen
	rule           TEXT NOT NULL,           -- canonical pattern of the rule matched
	source         TEXT NOT NULL,           -- IOC file the rule came from, or 'bundled'
	server_ip      TEXT NOT NULL,           -- '' when unknown
	server_port    INTEGER NOT NULL,
	capture        TEXT NOT NULL,           -- pcap file or interface
	-- the most recent event's HTTP request path (prefix); NULL: none
	path           TEXT,
	-- about the rule, refreshed on every write
	family         TEXT NOT NULL,
	category       TEXT,                    -- 'stalkerware', 'watchware', ...; NULL unknown
	how            TEXT NOT NULL,           -- exact subdomain s3-vhost s3-path ... (ioc_how_str)
	confidence     TEXT NOT NULL,           -- low medium high (ioc_conf_str)
	-- when and how often
	first_seen     TEXT NOT NULL,
	last_seen      TEXT NOT NULL,
	count          INTEGER NOT NULL CHECK (count >= 1),
	-- filled by later features; NULL until then
	app            TEXT,                    -- nDPI application label
	server_country TEXT,                    -- ISO 3166 code of server_ip
	server_asn     INTEGER,
	server_org     TEXT,
	ja4            TEXT,                    -- JA4 fingerprint of the ClientHello
	ech            INTEGER,                 -- 1: ClientHello carried encrypted_client_hello
	query          TEXT                     -- dns: the name asked when a CNAME target matched
);

-- The aggregation key (docs/schema.md says why path is not in it and
-- server_ip/server_port are).  NULL is distinct from NULL in a UNIQUE index,
-- so client_mac is indexed as ifnull(client_mac, ''); db.c's UPSERT names
-- the same expression.
CREATE UNIQUE INDEX hits_key ON hits (
	client_ip, ifnull(client_mac, ''), kind, hostname, rule, source,
	server_ip, server_port, capture);
CREATE INDEX hits_last_seen ON hits (last_seen);
CREATE INDEX hits_family ON hits (family);

-- Devices seen on the link, from DHCP (and later ARP/ND).
CREATE TABLE devices (
	mac            TEXT PRIMARY KEY,        -- 'aa:bb:cc:dd:ee:ff'
	ip             TEXT,                    -- last address seen
	name           TEXT,                    -- DHCP option 12 (host name), as sent
	vendor_class   TEXT,                    -- DHCP option 60, as sent
	first_seen     TEXT NOT NULL,
	last_seen      TEXT NOT NULL
);

-- The IOC inputs loaded now: replaced as a whole on every (re)load.
CREATE TABLE feeds (
	source         TEXT PRIMARY KEY,        -- path as given, or 'bundled'
	format         TEXT,                    -- native, echap-yaml, stix2, ...
	url            TEXT,                    -- where it was downloaded from; NULL: local
	sha256         TEXT,                    -- lower-case hex of the bytes loaded
	rule_count     INTEGER NOT NULL,
	loaded_at      TEXT NOT NULL
);

-- One row per minute of capture time and capture: counts of that minute
-- (deltas, not running totals), except flows_active (a gauge).
CREATE TABLE stats (
	ts             TEXT NOT NULL,           -- start of the minute 'YYYY-MM-DD HH:MM:00'
	capture        TEXT NOT NULL,
	packets        INTEGER NOT NULL DEFAULT 0,
	bytes          INTEGER NOT NULL DEFAULT 0,
	drops          INTEGER NOT NULL DEFAULT 0,  -- dropped by the kernel / interface
	flows          INTEGER NOT NULL DEFAULT 0,  -- new flows
	flows_active   INTEGER NOT NULL DEFAULT 0,  -- flows in the table at the end
	evictions      INTEGER NOT NULL DEFAULT 0,  -- flows evicted for lack of room
	hosts_sni      INTEGER NOT NULL DEFAULT 0,  -- hostnames seen, by kind
	hosts_quic     INTEGER NOT NULL DEFAULT 0,
	hosts_http     INTEGER NOT NULL DEFAULT 0,
	hosts_uri      INTEGER NOT NULL DEFAULT 0,
	hosts_dns      INTEGER NOT NULL DEFAULT 0,
	hosts_ech      INTEGER NOT NULL DEFAULT 0,
	hosts_resolved INTEGER NOT NULL DEFAULT 0,
	hosts_ip       INTEGER NOT NULL DEFAULT 0,
	hits           INTEGER NOT NULL DEFAULT 0,  -- IOC matches (events)
	hits_dropped   INTEGER NOT NULL DEFAULT 0,  -- lost because the hit queue was full
	malformed      INTEGER NOT NULL DEFAULT 0,  -- frames or messages refused as malformed
	PRIMARY KEY (capture, ts)
);

-- The issue's grain: one row per (client, kind, hostname, rule), all
-- servers, ports and captures folded together, with the device's DHCP name.
CREATE VIEW hit_summary AS
SELECT h.client_ip, h.client_mac, d.name AS device, h.kind, h.hostname,
       h.rule, h.family, h.confidence,
       sum(h.count) AS count, min(h.first_seen) AS first_seen,
       max(h.last_seen) AS last_seen,
       count(DISTINCT h.server_ip) AS servers
FROM hits h LEFT JOIN devices d ON d.mac = h.client_mac
GROUP BY h.client_ip, h.client_mac, h.kind, h.hostname, h.rule, h.family,
         h.confidence;
