package sqlstore

// The SQL, written once in PostgreSQL syntax. prepareSQL turns each text into
// the dialect's form ({{lockIdentity}} from dialectSQL, $N → ?N for SQLite).
//
// Identity reads return one row per linked login (LEFT JOIN), ordered by
// identity ID, then provider, then subject, so that an identity and its
// logins come from one statement and hence one consistent snapshot.
const (
	qGetPool    = `SELECT doc, version, created_ms, updated_ms FROM pools WHERE id = $1`
	qInsertPool = `INSERT INTO pools (id, name, doc, version, created_ms, updated_ms)
VALUES ($1, $2, $3, 1, $4, $5) ON CONFLICT DO NOTHING`
	qCASPool = `UPDATE pools SET name = $1, doc = $2, version = version + 1, created_ms = $3, updated_ms = $4
WHERE id = $5 AND version = $6`
	qDeletePool = `DELETE FROM pools WHERE id = $1`
	qListPools  = `SELECT doc, version, created_ms, updated_ms FROM pools WHERE id > $1 ORDER BY id LIMIT $2`
	qCountPools = `SELECT COUNT(*) FROM pools`
	// qLockPoolQuota runs first in CreatePoolWithin's transaction.
	qLockPoolQuota = `{{lockPoolQuota}}`

	identityCols = `i.id, i.pool_id, i.disabled, i.created_ms, i.updated_ms, l.provider, l.subject`

	qGetIdentity = `SELECT ` + identityCols + `
FROM identities i LEFT JOIN logins l ON l.identity_id = i.id
WHERE i.id = $1 ORDER BY l.provider, l.subject`
	qGetIdentityTx = qGetIdentity + `{{lockIdentity}}`

	qIdentityByLogin = `SELECT ` + identityCols + `
FROM logins k JOIN identities i ON i.id = k.identity_id LEFT JOIN logins l ON l.identity_id = i.id
WHERE k.pool_id = $1 AND k.provider = $2 AND k.subject = $3 ORDER BY l.provider, l.subject`
	qIdentityByLoginTx = qIdentityByLogin + `{{lockIdentity}}`

	qListIdentities = `SELECT ` + identityCols + `
FROM (SELECT id, pool_id, disabled, created_ms, updated_ms FROM identities
      WHERE pool_id = $1 AND id > $2 ORDER BY id LIMIT $3) i
LEFT JOIN logins l ON l.identity_id = i.id
ORDER BY i.id, l.provider, l.subject`
	qListEnabledIdentities = `SELECT ` + identityCols + `
FROM (SELECT id, pool_id, disabled, created_ms, updated_ms FROM identities
      WHERE pool_id = $1 AND id > $2 AND NOT disabled ORDER BY id LIMIT $3) i
LEFT JOIN logins l ON l.identity_id = i.id
ORDER BY i.id, l.provider, l.subject`

	qInsertIdentity = `INSERT INTO identities (id, pool_id, disabled, created_ms, updated_ms)
VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`
	qInsertLogin = `INSERT INTO logins (pool_id, provider, subject, identity_id)
VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`
	qDeleteIdentity   = `DELETE FROM identities WHERE id = $1`
	qLoginsByProvider = `SELECT subject FROM logins
WHERE identity_id = $1 AND provider = $2 AND subject > $3 ORDER BY subject LIMIT $4`

	qIdentityPoolTx   = `SELECT i.pool_id FROM identities i WHERE i.id = $1{{lockIdentity}}`
	qRemoveLogin      = `DELETE FROM logins WHERE identity_id = $1 AND provider = $2 AND subject = $3`
	qMoveLogins       = `UPDATE logins SET identity_id = $2 WHERE identity_id = $1`
	qSetIdentityState = `UPDATE identities SET disabled = $2, updated_ms = $3 WHERE id = $1`
	qGetValue         = `SELECT value, version FROM kv WHERE name = $1`
	qInsertValue      = `INSERT INTO kv (name, value, version, updated_ms) VALUES ($1, $2, 1, $3) ON CONFLICT DO NOTHING`
	qCASValue         = `UPDATE kv SET value = $2, version = version + 1, updated_ms = $3 WHERE name = $1 AND version = $4`
)
