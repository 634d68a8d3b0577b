package resources

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/idpool/idpool/internal/iam"
	"github.com/idpool/idpool/internal/identity"
)

// poolSidecar is what the resource schema of a pool holds that
// identity.Pool does not: the Cognito Sync settings, and the map keys under
// which role mappings were declared when they named their provider with
// IdentityProvider.
type poolSidecar struct {
	PushSync       any `json:"pushSync,omitempty"`
	CognitoStreams any `json:"cognitoStreams,omitempty"`
	CognitoEvents  any `json:"cognitoEvents,omitempty"`
	// MappingKeys maps a role mapping's provider name to the key it was
	// declared under in RoleMappings.
	MappingKeys map[string]string `json:"mappingKeys,omitempty"`
}

func (s poolSidecar) empty() bool {
	return s.PushSync == nil && s.CognitoStreams == nil && s.CognitoEvents == nil && len(s.MappingKeys) == 0
}

// sidecars keeps one poolSidecar per pool in the value store, under
// "resources/identitypool/<pool ID>". An empty document means none.
type sidecars struct{ store iam.ValueStore }

func sidecarKey(poolID string) string { return "resources/identitypool/" + poolID }

func (s *sidecars) get(ctx context.Context, poolID string) (poolSidecar, int64, error) {
	b, v, err := s.store.GetValue(ctx, sidecarKey(poolID))
	if errors.Is(err, identity.ErrNotFound) {
		return poolSidecar{}, 0, nil
	}
	if err != nil {
		return poolSidecar{}, 0, fmt.Errorf("resources: read pool settings %s: %w", poolID, err)
	}
	var sc poolSidecar
	if len(b) > 0 {
		if err := json.Unmarshal(b, &sc); err != nil {
			return poolSidecar{}, 0, fmt.Errorf("resources: decode pool settings %s: %w", poolID, err)
		}
	}
	return sc, v, nil
}

// update applies fn to the pool's document with compare-and-swap, retrying
// when another writer got there first.
func (s *sidecars) update(ctx context.Context, poolID string, fn func(*poolSidecar)) error {
	for attempt := 0; attempt < 32; attempt++ {
		sc, v, err := s.get(ctx, poolID)
		if err != nil {
			return err
		}
		fn(&sc)
		var b []byte
		if !sc.empty() {
			if b, err = json.Marshal(sc); err != nil {
				return fmt.Errorf("resources: encode pool settings %s: %w", poolID, err)
			}
		}
		if v == 0 && b == nil {
			return nil // nothing stored, nothing to store
		}
		_, err = s.store.PutValue(ctx, sidecarKey(poolID), b, v)
		if errors.Is(err, identity.ErrConflict) {
			continue
		}
		if err != nil {
			return fmt.Errorf("resources: write pool settings %s: %w", poolID, err)
		}
		return nil
	}
	return fmt.Errorf("resources: write pool settings %s: too many concurrent changes", poolID)
}
