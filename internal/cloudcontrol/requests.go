package cloudcontrol

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/idpool/idpool/internal/identity"
)

const (
	// MaxRecords bounds the request index; the oldest requests are
	// forgotten first.
	MaxRecords = 2000
	// RequestTTL is how long a request can be looked up.
	RequestTTL = 7 * 24 * time.Hour
	// ClientTokenTTL is how long a client token identifies its request.
	ClientTokenTTL = 36 * time.Hour

	indexKey      = "cloudcontrol/requests"
	maxCASRetries = 32
)

func requestKey(token string) string { return "cloudcontrol/request/" + token }

// record is a stored request.
type record struct {
	Event       ProgressEvent `json:"event"`
	ClientToken string        `json:"clientToken,omitempty"`
	Digest      string        `json:"digest"`
}

// index lists the recent requests, newest first, without resource models.
type index struct {
	Records []record `json:"records"`
}

func digest(op, typeName, id, payload string) string {
	h := sha256.New()
	for _, p := range []string{op, typeName, id, payload} {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (s *Service) loadIndex(ctx context.Context) (index, int64, error) {
	b, v, err := s.store.GetValue(ctx, indexKey)
	if errors.Is(err, identity.ErrNotFound) {
		return index{}, 0, nil
	}
	if err != nil {
		return index{}, 0, fmt.Errorf("cloudcontrol: read request index: %w", err)
	}
	var ix index
	if len(b) > 0 {
		if err := json.Unmarshal(b, &ix); err != nil {
			return index{}, 0, fmt.Errorf("cloudcontrol: decode request index: %w", err)
		}
	}
	now := s.now()
	ix.Records = slices.DeleteFunc(ix.Records, func(r record) bool { return now.Sub(r.Event.EventTime) > RequestTTL })
	return ix, v, nil
}

// save stores a request and adds it to the index.
func (s *Service) save(ctx context.Context, rec record) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("cloudcontrol: encode request: %w", err)
	}
	if _, err := s.store.PutValue(ctx, requestKey(rec.Event.RequestToken), b, 0); err != nil {
		return fmt.Errorf("cloudcontrol: store request: %w", err)
	}
	short := rec
	short.Event.ResourceModel = ""
	for range maxCASRetries {
		ix, v, err := s.loadIndex(ctx)
		if err != nil {
			return err
		}
		ix.Records = append([]record{short}, ix.Records...)
		if len(ix.Records) > MaxRecords {
			ix.Records = ix.Records[:MaxRecords]
		}
		b, err := json.Marshal(ix)
		if err != nil {
			return fmt.Errorf("cloudcontrol: encode request index: %w", err)
		}
		_, err = s.store.PutValue(ctx, indexKey, b, v)
		if errors.Is(err, identity.ErrConflict) {
			continue
		}
		if err != nil {
			return fmt.Errorf("cloudcontrol: store request index: %w", err)
		}
		return nil
	}
	return fmt.Errorf("cloudcontrol: store request index: %w", identity.ErrConflict)
}

// replay finds an earlier request with the same client token and
// operation: the same request gets its event back (done), a different one
// is a ClientTokenConflictException.
func (s *Service) replay(ctx context.Context, op, typeName, id, clientToken, payload string) (ProgressEvent, bool, error) {
	if clientToken == "" {
		return ProgressEvent{}, false, nil
	}
	ix, _, err := s.loadIndex(ctx)
	if err != nil {
		return ProgressEvent{}, false, err
	}
	now := s.now()
	for _, r := range ix.Records {
		if r.ClientToken != clientToken || now.Sub(r.Event.EventTime) > ClientTokenTTL {
			continue
		}
		if r.Event.Operation != op || r.Digest != digest(op, typeName, id, payload) {
			return ProgressEvent{}, false, refuse("ClientTokenConflictException",
				"The client token %s was already used with a different request (request token %s).", clientToken, r.Event.RequestToken)
		}
		full, err := s.request(ctx, r.Event.RequestToken)
		if err != nil {
			return ProgressEvent{}, false, err
		}
		return full.Event, true, nil
	}
	return ProgressEvent{}, false, nil
}

// request reads one stored request.
func (s *Service) request(ctx context.Context, token string) (record, error) {
	notFound := refuse("RequestTokenNotFoundException", "Request with token %s was not found.", token)
	if token == "" {
		return record{}, notFound
	}
	b, _, err := s.store.GetValue(ctx, requestKey(token))
	if errors.Is(err, identity.ErrNotFound) {
		return record{}, notFound
	}
	if err != nil {
		return record{}, fmt.Errorf("cloudcontrol: read request: %w", err)
	}
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return record{}, fmt.Errorf("cloudcontrol: decode request: %w", err)
	}
	if s.now().Sub(r.Event.EventTime) > RequestTTL {
		return record{}, notFound
	}
	return r, nil
}

// GetResourceRequestStatus returns the event of a request.
func (s *Service) GetResourceRequestStatus(ctx context.Context, token string) (ProgressEvent, error) {
	r, err := s.request(ctx, token)
	if err != nil {
		return ProgressEvent{}, err
	}
	return r.Event, nil
}

// CancelResourceRequest cancels a pending request. Every request has
// completed by the time its token is known (see the package doc), so a
// found request is refused with ConcurrentModificationException.
func (s *Service) CancelResourceRequest(ctx context.Context, token string) (ProgressEvent, error) {
	r, err := s.request(ctx, token)
	if err != nil {
		return ProgressEvent{}, err
	}
	return ProgressEvent{}, refuse("ConcurrentModificationException",
		"Resource request %s has already completed with status %s and cannot be cancelled.", token, r.Event.OperationStatus)
}

// RequestFilter selects requests by operation and status; empty lists
// select all.
type RequestFilter struct {
	Operations        []string
	OperationStatuses []string
}

// ListResourceRequests lists the recent requests, newest first, without
// their resource models.
func (s *Service) ListResourceRequests(ctx context.Context, f RequestFilter, nextToken string, maxResults int) ([]ProgressEvent, string, error) {
	after, err := decodeToken(nextToken)
	if err != nil {
		return nil, "", err
	}
	if maxResults <= 0 {
		maxResults = DefaultMaxResults
	}
	ix, _, err := s.loadIndex(ctx)
	if err != nil {
		return nil, "", err
	}
	started := after == ""
	var out []ProgressEvent
	for _, r := range ix.Records {
		if !started {
			started = r.Event.RequestToken == after
			continue
		}
		if (len(f.Operations) > 0 && !slices.Contains(f.Operations, r.Event.Operation)) ||
			(len(f.OperationStatuses) > 0 && !slices.Contains(f.OperationStatuses, r.Event.OperationStatus)) {
			continue
		}
		if len(out) == maxResults {
			return out, encodeToken(out[len(out)-1].RequestToken), nil
		}
		out = append(out, r.Event)
	}
	if !started {
		return nil, "", refuse("InvalidRequestException", "Invalid NextToken.")
	}
	return out, "", nil
}
