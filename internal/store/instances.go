package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Instance is one SENAITE site. Passwords are sealed (see package secret)
// and never leave the store otherwise.
type Instance struct {
	ID               int64
	Name             string
	URL              string
	Username         string
	Password         []byte
	CACert           string
	VerifierUsername string
	VerifierPassword []byte
	Flavor           string
	Version          string
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

const instanceColumns = `id, name, url, username, password_enc, coalesce(ca_cert, ''), coalesce(verifier_username, ''),
	verifier_password_enc, coalesce(flavor, ''), coalesce(version, ''), created_at, updated_at`

func scanInstance(row pgx.Row) (Instance, error) {
	var in Instance
	err := row.Scan(&in.ID, &in.Name, &in.URL, &in.Username, &in.Password, &in.CACert, &in.VerifierUsername,
		&in.VerifierPassword, &in.Flavor, &in.Version, &in.CreatedAt, &in.UpdatedAt)
	return in, err
}

// CreateInstance stores a new instance; a taken name is ErrExists.
func (s *Store) CreateInstance(ctx context.Context, in Instance) (Instance, error) {
	row := s.pool.QueryRow(ctx, `INSERT INTO instances (name, url, username, password_enc, ca_cert, verifier_username,
		verifier_password_enc) VALUES ($1, $2, $3, $4, nullif($5, ''), nullif($6, ''), $7) RETURNING `+instanceColumns,
		in.Name, in.URL, in.Username, in.Password, in.CACert, in.VerifierUsername, in.VerifierPassword)
	out, err := scanInstance(row)
	if isUniqueViolation(err) {
		return Instance{}, fmt.Errorf("store: create instance %s: %w", in.Name, ErrExists)
	}
	if err != nil {
		return Instance{}, fmt.Errorf("store: create instance %s: %w", in.Name, err)
	}
	return out, nil
}

// Instance reads one instance by name.
func (s *Store) Instance(ctx context.Context, name string) (Instance, error) {
	in, err := scanInstance(s.pool.QueryRow(ctx, `SELECT `+instanceColumns+` FROM instances WHERE name = $1`, name))
	if err != nil {
		return Instance{}, fmt.Errorf("store: instance %s: %w", name, notFound(err))
	}
	return in, nil
}

// InstanceByID reads one instance by id.
func (s *Store) InstanceByID(ctx context.Context, id int64) (Instance, error) {
	in, err := scanInstance(s.pool.QueryRow(ctx, `SELECT `+instanceColumns+` FROM instances WHERE id = $1`, id))
	if err != nil {
		return Instance{}, fmt.Errorf("store: instance %d: %w", id, notFound(err))
	}
	return in, nil
}

// Instances lists every instance by name.
func (s *Store) Instances(ctx context.Context) ([]Instance, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+instanceColumns+` FROM instances ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: instances: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Instance, error) { return scanInstance(r) })
	if err != nil {
		return nil, fmt.Errorf("store: instances: %w", err)
	}
	return out, nil
}

// UpdateInstance replaces an instance's settings (by name); nil password
// slices keep the stored ones.
func (s *Store) UpdateInstance(ctx context.Context, in Instance) (Instance, error) {
	row := s.pool.QueryRow(ctx, `UPDATE instances SET url = $2, username = $3,
		password_enc = coalesce($4, password_enc), ca_cert = nullif($5, ''), verifier_username = nullif($6, ''),
		verifier_password_enc = CASE WHEN $6 = '' THEN NULL ELSE coalesce($7, verifier_password_enc) END,
		updated_at = now() WHERE name = $1 RETURNING `+instanceColumns,
		in.Name, in.URL, in.Username, in.Password, in.CACert, in.VerifierUsername, in.VerifierPassword)
	out, err := scanInstance(row)
	if err != nil {
		return Instance{}, fmt.Errorf("store: update instance %s: %w", in.Name, notFound(err))
	}
	return out, nil
}

// RecordInstanceVersion keeps what the last check found.
func (s *Store) RecordInstanceVersion(ctx context.Context, id int64, flavor, version string) error {
	if _, err := s.pool.Exec(ctx, `UPDATE instances SET flavor = $2, version = $3 WHERE id = $1`, id, flavor, version); err != nil {
		return fmt.Errorf("store: instance %d version: %w", id, err)
	}
	return nil
}

// DeleteInstance removes an instance no remote uses (ErrInUse otherwise).
func (s *Store) DeleteInstance(ctx context.Context, name string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM instances WHERE name = $1`, name)
	if isForeignKeyViolation(err) {
		return fmt.Errorf("store: delete instance %s: %w (remotes or identities refer to it)", name, ErrInUse)
	}
	if err != nil {
		return fmt.Errorf("store: delete instance %s: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: delete instance %s: %w", name, ErrNotFound)
	}
	return nil
}
