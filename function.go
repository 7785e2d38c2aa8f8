package berth

import (
	"context"
	"time"
)

// FunctionStatus is where a function is in its life.
type FunctionStatus string

// Function statuses.
const (
	FunctionInitialized     FunctionStatus = "initialized"      // created, never deployed
	FunctionActive          FunctionStatus = "active"           // has an active deployment
	FunctionPendingDeletion FunctionStatus = "pending_deletion" // deleted, within the grace period
)

// Visibility says who may invoke a function.
type Visibility string

// Visibilities.
const (
	VisibilityPrivate Visibility = "private" // the owner or one of the function's API keys
	VisibilityPublic  Visibility = "public"  // anyone
	// VisibilityOrganization shares a function with its owner's
	// organisation: members may read and invoke it, the organisation's
	// owners may also manage it.
	VisibilityOrganization Visibility = "organization"
)

// Runtime names.
const (
	RuntimeWasm      = "wasm"
	RuntimeContainer = "container"
)

// FunctionSettings are the tunable limits and environment of a function.
type FunctionSettings struct {
	MemoryMB       int               `json:"memory_mb"`
	TimeoutMS      int               `json:"timeout_ms"`
	MaxConcurrency int               `json:"max_concurrency"`
	Env            map[string]string `json:"env"`
	Visibility     Visibility        `json:"visibility"`
}

// Function is a named piece of code that can be deployed and invoked.
type Function struct {
	ID          string
	OwnerID     string
	Name        string // a lower-case DNS label, unique per owner
	Runtime     string // RuntimeWasm or RuntimeContainer
	Description string
	Status      FunctionStatus
	// ActiveVersion is the deployment that serves calls; 0 when none.
	ActiveVersion int
	Settings      FunctionSettings
	// SecretNames lists the names of the function's secrets (values are
	// sealed and kept apart; see FunctionStore.Secrets).
	SecretNames []string
	// DeleteAfter is when a pending deletion becomes due; zero otherwise.
	DeleteAfter time.Time
	// DeletionRequestedAt is when DELETE was called; zero otherwise.
	DeletionRequestedAt time.Time
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// DeploymentStatus is the outcome of one deploy.
type DeploymentStatus string

// Deployment statuses.
const (
	DeploymentBuilding DeploymentStatus = "building" // recorded, being prepared by the runtime
	DeploymentReady    DeploymentStatus = "ready"    // prepared; may be active
	DeploymentFailed   DeploymentStatus = "failed"   // rejected; never active
)

// Deployment is one immutable version of a function's code.
type Deployment struct {
	FunctionID  string
	Version     int // 1, 2, 3… per function, never reused
	Status      DeploymentStatus
	SHA256      string // hex digest of the artefact
	Size        int64
	ContentType string
	// Artefact is the artefact's path relative to the data directory.
	Artefact  string
	Error     string // why a failed deployment failed
	CreatedBy string // user id
	CreatedAt time.Time
}

// APIKey lets a caller invoke one function with BERTH-HMAC-SHA256.
type APIKey struct {
	ID           string // UUID, for the management API
	KeyID        string // the Credential in signatures, "BF…"
	FunctionID   string
	Name         string
	SecretSealed []byte
	CreatedAt    time.Time
	ExpiresAt    time.Time // zero: never
	RevokedAt    time.Time // zero: not revoked
	LastUsedAt   time.Time // zero: never used
}

// Usable reports whether the key may sign a request at now.
func (k *APIKey) Usable(now time.Time) bool {
	return k.RevokedAt.IsZero() && (k.ExpiresAt.IsZero() || now.Before(k.ExpiresAt))
}

// ExecutionStatus is how an invocation ended.
type ExecutionStatus string

// Execution statuses.
const (
	ExecSuccess     ExecutionStatus = "success"       // the function answered (any HTTP status)
	ExecError       ExecutionStatus = "error"         // it crashed or answered malformed output
	ExecTimeout     ExecutionStatus = "timeout"       // it outlived its deadline
	ExecOutOfMemory ExecutionStatus = "out_of_memory" // it exceeded its memory limit
	ExecRejected    ExecutionStatus = "rejected"      // the platform refused it (too large, too busy)
)

// CallerKind says how an invocation was authorised.
type CallerKind string

// Caller kinds.
const (
	CallerOwner  CallerKind = "owner"   // the owner's token or keypair (or an admin's, or an organisation member's)
	CallerAPIKey CallerKind = "api_key" // one of the function's API keys
	CallerPublic CallerKind = "public"  // no credentials; a public function
)

// Execution records one invocation.
type Execution struct {
	ID          string // UUID; returned to the caller as X-Berth-Execution-Id
	FunctionID  string
	OwnerID     string
	Version     int
	Status      ExecutionStatus
	HTTPStatus  int // what the caller received
	Error       string
	StartedAt   time.Time
	DurationUS  int64
	BytesIn     int64
	BytesOut    int64
	ColdStart   bool
	CallerKind  CallerKind
	CallerKeyID string // the API key id or the keypair access key, when there is one
	Logs        []string
}

// FunctionFilter selects functions; zero fields match everything.
type FunctionFilter struct {
	OwnerID string // empty: every owner (admins)
	// SharedWithOrg, with OwnerID, also selects the functions other
	// members of this organisation share with it (visibility organization).
	SharedWithOrg string
	Name          string // substring match on the name
	Status        FunctionStatus
	Page          Page
}

// ExecutionFilter selects executions of one function, newest first.
type ExecutionFilter struct {
	FunctionID string
	Status     ExecutionStatus
	Since      time.Time
	Until      time.Time
	Page       Page
}

// FunctionStore keeps functions, their deployments, secrets and API keys.
type FunctionStore interface {
	// CreateFunction inserts f, filling ID, CreatedAt and UpdatedAt when
	// empty. ErrConflict when the owner already has a function of that name.
	CreateFunction(ctx context.Context, f *Function) error
	// CreateFunctionWithin is CreateFunction unless the owner has maxOwned
	// functions (not pending deletion) already: then ErrQuota. The count
	// and the insert are one transaction, so concurrent creations at the
	// limit create exactly up to it.
	CreateFunctionWithin(ctx context.Context, f *Function, maxOwned int) error
	// CountOwnedFunctions counts an owner's functions not pending deletion.
	CountOwnedFunctions(ctx context.Context, ownerID string) (int, error)
	// Function returns a function by id, including pending deletions, or ErrNotFound.
	Function(ctx context.Context, id string) (*Function, error)
	// ListFunctions returns the functions the filter selects, by name, and the total.
	ListFunctions(ctx context.Context, f FunctionFilter) ([]Function, int, error)
	// UpdateFunctionSettings replaces the settings (and description); ErrNotFound.
	UpdateFunctionSettings(ctx context.Context, id string, s FunctionSettings, description string) error
	// PutSecrets sets (non-nil value) or removes (nil value) sealed secrets
	// by name, atomically; ErrNotFound when there is no such function.
	PutSecrets(ctx context.Context, functionID string, sealed map[string][]byte) error
	// Secrets returns the sealed secrets of a function by name.
	Secrets(ctx context.Context, functionID string) (map[string][]byte, error)

	// CreateDeployment records a new deployment with the next version
	// number (filling d.Version and d.CreatedAt) — atomically, so that
	// concurrent deploys get consecutive versions. d.Status is usually
	// DeploymentBuilding; when it is DeploymentReady and activate is true
	// the deployment becomes active at once. ErrNotFound when the function
	// does not exist or is pending deletion.
	CreateDeployment(ctx context.Context, d *Deployment, activate bool) error
	// FinishDeployment ends a building deployment: status ready or failed,
	// with errText for a failed one; when ready and activate is true it
	// becomes the active version and the function active, atomically —
	// unless a newer version is already active (a slow deploy finishing
	// after a later one does not displace it).
	// ErrNotFound for no such version; ErrConflict when it is not building,
	// or when activating while the function is pending deletion (it is
	// then left ready but inactive).
	FinishDeployment(ctx context.Context, functionID string, version int, status DeploymentStatus, errText string, activate bool) error
	// FailStaleDeployments marks deployments still building that were
	// created before the given time (left by a process that stopped
	// mid-deploy; younger ones may be another replica's work in progress)
	// as failed with errText, and returns how many it marked.
	FailStaleDeployments(ctx context.Context, before time.Time, errText string) (int64, error)
	// Deployment returns one version, or ErrNotFound.
	Deployment(ctx context.Context, functionID string, version int) (*Deployment, error)
	// ListDeployments returns a function's deployments, newest first, and the total.
	ListDeployments(ctx context.Context, functionID string, p Page) ([]Deployment, int, error)
	// ActivateDeployment makes a ready version the active one (rollback).
	// ErrNotFound for no such version; ErrInvalid for a failed one;
	// ErrConflict when the function is pending deletion.
	ActivateDeployment(ctx context.Context, functionID string, version int) error

	// ScheduleDeletion marks a function pending deletion after the given
	// time; ErrNotFound; ErrConflict when it is already pending.
	ScheduleDeletion(ctx context.Context, id string, requestedAt, deleteAfter time.Time) error
	// CancelDeletion returns a pending function to its previous status
	// (active when it has an active version, else initialized); ErrNotFound;
	// ErrConflict when it is not pending.
	CancelDeletion(ctx context.Context, id string) error
	// DueDeletions returns up to limit functions whose deletion is due at now.
	DueDeletions(ctx context.Context, now time.Time, limit int) ([]Function, error)
	// DeleteFunction removes a function whose deletion is due at now, with
	// its deployments, secrets and API keys, but not its executions (kept
	// for stats). It returns the deployments it removed, so that their
	// artefacts can be deleted. ErrConflict when the function is not
	// pending deletion or not yet due (a cancel won the race); ErrNotFound
	// when it does not exist.
	DeleteFunction(ctx context.Context, id string, now time.Time) ([]Deployment, error)

	// CreateAPIKey inserts k, filling ID and CreatedAt; ErrConflict on a duplicate key id.
	CreateAPIKey(ctx context.Context, k *APIKey) error
	// APIKey returns a key by its UUID, or ErrNotFound.
	APIKey(ctx context.Context, id string) (*APIKey, error)
	// APIKeyByKeyID returns a key and its function by the signing key id, in
	// one round trip, or ErrNotFound.
	APIKeyByKeyID(ctx context.Context, keyID string) (*APIKey, *Function, error)
	// ListAPIKeys returns a function's keys, newest first, and the total.
	ListAPIKeys(ctx context.Context, functionID string, p Page) ([]APIKey, int, error)
	// UpdateAPIKey sets name, expiry and revocation of a key; ErrNotFound.
	UpdateAPIKey(ctx context.Context, k *APIKey) error
	// ReplaceAPIKeySecret swaps a key's sealed secret from old to sealed in
	// one statement, so that the old secret stops signing the moment the new
	// one starts. Outcomes: nil; ErrNotFound (no such key); ErrConflict (the
	// secret is no longer old: another replacement came first, and sealed
	// was not stored).
	ReplaceAPIKeySecret(ctx context.Context, id string, old, sealed []byte) error
	// DeleteAPIKey removes a key for good; ErrNotFound.
	DeleteAPIKey(ctx context.Context, id string) error
	// TouchAPIKey records a use; best effort, coalesced like TouchKeypair.
	TouchAPIKey(ctx context.Context, id string, at time.Time) error
}

// ExecutionStore keeps invocation records.
type ExecutionStore interface {
	// AppendExecutions inserts a batch of records atomically.
	AppendExecutions(ctx context.Context, es []Execution) error
	// Execution returns one record of a function, or ErrNotFound.
	Execution(ctx context.Context, functionID, id string) (*Execution, error)
	// ListExecutions returns the records the filter selects, newest first,
	// without their logs, and the total.
	ListExecutions(ctx context.Context, f ExecutionFilter) ([]Execution, int, error)
	// RecentLogs returns the log lines of a function's latest executions,
	// oldest first, at most limit lines, from executions started after since.
	RecentLogs(ctx context.Context, functionID string, since time.Time, limit int) ([]LogLine, error)
	// Logs returns log lines across executions as the filter selects
	// them, oldest first, at most f.Limit lines of the latest executions.
	Logs(ctx context.Context, f LogFilter) ([]LogLine, error)
	// FunctionSummary counts a function's executions since a time.
	FunctionSummary(ctx context.Context, functionID string, since time.Time) (ExecutionSummary, error)
}

// LogFilter selects log lines across executions; zero fields match all.
type LogFilter struct {
	FunctionID string
	OwnerID    string
	// Failed keeps the lines of executions that did not succeed.
	Failed bool
	// Text keeps the lines containing it, in any case.
	Text string
	// Since keeps executions started after it.
	Since time.Time
	Limit int
}

// LogLine is one line a function wrote to its log.
type LogLine struct {
	FunctionID  string    `json:"function_id,omitempty"`
	ExecutionID string    `json:"execution_id"`
	At          time.Time `json:"at"`
	Line        string    `json:"line"`
}

// ExecutionSummary counts executions by outcome.
type ExecutionSummary struct {
	Invocations   int64 `json:"invocations"`
	Errors        int64 `json:"errors"`
	AvgDurationUS int64 `json:"avg_duration_us"`
	LastAt        time.Time
}
