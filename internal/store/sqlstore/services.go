package sqlstore

import (
	"context"
	"time"

	"github.com/berth-platform/berth"
)

// ListServices implements berth.ServiceStore.
func (s *Store) ListServices(ctx context.Context) ([]berth.FeatureService, error) {
	rows, err := s.query(ctx, `SELECT id, name, url, health_path, created_at, updated_at FROM services ORDER BY id`)
	if err != nil {
		return nil, s.wrap("list services", err)
	}
	defer rows.Close()
	out := []berth.FeatureService{}
	for rows.Next() {
		var f berth.FeatureService
		var created, updated int64
		if err := rows.Scan(&f.ID, &f.Name, &f.URL, &f.HealthPath, &created, &updated); err != nil {
			return nil, s.wrap("list services", err)
		}
		f.CreatedAt, f.UpdatedAt = fromDB(created), fromDB(updated)
		out = append(out, f)
	}
	return out, s.wrap("list services", rows.Err())
}

// CreateService implements berth.ServiceStore.
func (s *Store) CreateService(ctx context.Context, f *berth.FeatureService) error {
	now := time.Now().UTC().Truncate(time.Microsecond)
	f.CreatedAt, f.UpdatedAt = now, now
	_, err := s.exec(ctx, "create service", `INSERT INTO services (id, name, url, health_path, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		f.ID, f.Name, f.URL, f.HealthPath, dbTime(now), dbTime(now))
	return err
}

// UpdateService implements berth.ServiceStore.
func (s *Store) UpdateService(ctx context.Context, f *berth.FeatureService) error {
	f.UpdatedAt = time.Now().UTC().Truncate(time.Microsecond)
	return s.execOne(ctx, "update service", `UPDATE services SET name = ?, url = ?, health_path = ?, updated_at = ? WHERE id = ?`,
		f.Name, f.URL, f.HealthPath, dbTime(f.UpdatedAt), f.ID)
}

// DeleteService implements berth.ServiceStore.
func (s *Store) DeleteService(ctx context.Context, id string) error {
	return s.execOne(ctx, "delete service", `DELETE FROM services WHERE id = ?`, id)
}
