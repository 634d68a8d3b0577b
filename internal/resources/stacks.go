package resources

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/idpool/idpool/internal/cfn"
	"github.com/idpool/idpool/internal/iam"
	"github.com/idpool/idpool/internal/identity"
)

// StackStore keeps the states of `idpool apply` stacks in the store's
// value space, one document per stack ("cfn/stack/<name>"), plus an index
// of stack names ("cfn/stacks"), so that every node sharing the store sees
// the same stacks. It implements cfn.StateStore.
//
// A deleted stack leaves an empty document behind (the value space has no
// delete); Get reports it as cfn.ErrStackNotFound and a later Put that
// expects version 0 writes over it.
type StackStore struct{ store iam.ValueStore }

// NewStackStore returns a StackStore on the value store.
func NewStackStore(store iam.ValueStore) *StackStore { return &StackStore{store: store} }

const stackIndexKey = "cfn/stacks"

func stackKey(name string) string { return "cfn/stack/" + name }

// raw returns a stack's document and the value-store version; a missing
// or emptied document gives nil bytes.
func (s *StackStore) raw(ctx context.Context, name string) ([]byte, int64, error) {
	b, v, err := s.store.GetValue(ctx, stackKey(name))
	if errors.Is(err, identity.ErrNotFound) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("stack %q: read state: %w", name, err)
	}
	if len(b) == 0 {
		b = nil
	}
	return b, v, nil
}

// Get implements cfn.StateStore. The returned Version is the document's
// value-store version.
func (s *StackStore) Get(ctx context.Context, name string) (*cfn.StackState, error) {
	b, v, err := s.raw(ctx, name)
	if err != nil {
		return nil, err
	}
	if b == nil {
		return nil, fmt.Errorf("stack %q: %w", name, cfn.ErrStackNotFound)
	}
	var st cfn.StackState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("stack %q: decode state: %w", name, err)
	}
	st.Version = v
	return &st, nil
}

// Put implements cfn.StateStore: a compare-and-swap on the document's
// version (0: the stack must not exist, or only as an emptied document).
func (s *StackStore) Put(ctx context.Context, st *cfn.StackState, expectedVersion int64) error {
	expect := expectedVersion
	if expectedVersion == 0 {
		b, v, err := s.raw(ctx, st.Name)
		if err != nil {
			return err
		}
		if b != nil {
			return fmt.Errorf("stack %q: exists already: %w", st.Name, cfn.ErrConflict)
		}
		expect = v
		if err := s.index(ctx, st.Name, true); err != nil {
			return err
		}
	}
	cp := *st
	cp.Version = 0
	b, err := json.Marshal(&cp)
	if err != nil {
		return fmt.Errorf("stack %q: encode state: %w", st.Name, err)
	}
	v, err := s.store.PutValue(ctx, stackKey(st.Name), b, expect)
	if errors.Is(err, identity.ErrConflict) {
		return fmt.Errorf("stack %q: %w", st.Name, cfn.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("stack %q: write state: %w", st.Name, err)
	}
	st.Version = v
	return nil
}

// Delete implements cfn.StateStore: it empties the document if its version
// is expectedVersion.
func (s *StackStore) Delete(ctx context.Context, name string, expectedVersion int64) error {
	_, err := s.store.PutValue(ctx, stackKey(name), nil, expectedVersion)
	if errors.Is(err, identity.ErrConflict) {
		return fmt.Errorf("stack %q: %w", name, cfn.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("stack %q: delete state: %w", name, err)
	}
	return s.index(ctx, name, false)
}

// Names lists the stacks, sorted.
func (s *StackStore) Names(ctx context.Context) ([]string, error) {
	names, _, err := s.readIndex(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range names {
		if b, _, err := s.raw(ctx, n); err != nil {
			return nil, err
		} else if b != nil {
			out = append(out, n)
		}
	}
	return out, nil
}

func (s *StackStore) readIndex(ctx context.Context) ([]string, int64, error) {
	b, v, err := s.store.GetValue(ctx, stackIndexKey)
	if errors.Is(err, identity.ErrNotFound) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read stack index: %w", err)
	}
	var names []string
	if len(b) > 0 {
		if err := json.Unmarshal(b, &names); err != nil {
			return nil, 0, fmt.Errorf("decode stack index: %w", err)
		}
	}
	return names, v, nil
}

// index adds or removes a name in the index (compare-and-swap, retried).
// A name is added before its state is first written, so the index may name
// a stack whose first write then failed; Names skips those.
func (s *StackStore) index(ctx context.Context, name string, add bool) error {
	for attempt := 0; attempt < 32; attempt++ {
		names, v, err := s.readIndex(ctx)
		if err != nil {
			return err
		}
		i, found := slices.BinarySearch(names, name)
		switch {
		case add && found, !add && !found:
			return nil
		case add:
			names = slices.Insert(names, i, name)
		default:
			names = slices.Delete(names, i, i+1)
		}
		b, err := json.Marshal(names)
		if err != nil {
			return err
		}
		_, err = s.store.PutValue(ctx, stackIndexKey, b, v)
		if errors.Is(err, identity.ErrConflict) {
			continue
		}
		if err != nil {
			return fmt.Errorf("write stack index: %w", err)
		}
		return nil
	}
	return fmt.Errorf("write stack index: too many concurrent changes")
}
