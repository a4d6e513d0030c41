package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// SaveSiteConfig records what a run copied of the site's configuration
// (siteconfig.Report as JSON) and how many of its items need a person;
// the first report of a run stays (a re-planned run does not copy twice).
func (s *Store) SaveSiteConfig(ctx context.Context, runID uuid.UUID, report json.RawMessage, problems int) error {
	if _, err := s.pool.Exec(ctx, `INSERT INTO run_site_config (run_id, report, problems) VALUES ($1, $2, $3)
		ON CONFLICT (run_id) DO NOTHING`, runID, report, problems); err != nil {
		return fmt.Errorf("store: site config of run %s: %w", runID, err)
	}
	return nil
}

// SiteConfig reads a run's site-configuration report (ok false: none).
func (s *Store) SiteConfig(ctx context.Context, runID uuid.UUID) (report json.RawMessage, problems int, ok bool, err error) {
	err = s.pool.QueryRow(ctx, `SELECT report, problems FROM run_site_config WHERE run_id = $1`, runID).Scan(&report, &problems)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, 0, false, nil
	}
	if err != nil {
		return nil, 0, false, fmt.Errorf("store: site config of run %s: %w", runID, err)
	}
	return report, problems, true, nil
}
