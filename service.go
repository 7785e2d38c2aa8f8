package berth

import (
	"context"
	"time"
)

// FeatureService is a service registered through the admin API.
type FeatureService struct {
	ID         string
	Name       string
	URL        string
	HealthPath string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// ServiceStore keeps the feature services registered through the API.
type ServiceStore interface {
	// ListServices returns them all, by id.
	ListServices(ctx context.Context) ([]FeatureService, error)
	// CreateService adds one (ErrConflict when the id is taken).
	CreateService(ctx context.Context, s *FeatureService) error
	// UpdateService replaces name, URL and health path (ErrNotFound).
	UpdateService(ctx context.Context, s *FeatureService) error
	// DeleteService removes one (ErrNotFound).
	DeleteService(ctx context.Context, id string) error
}
