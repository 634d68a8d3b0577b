package cloudcontrolapi

import (
	"context"

	"github.com/idpool/idpool/internal/awswire"
	"github.com/idpool/idpool/internal/cloudcontrol"
)

// progressEvent is a ProgressEvent on the wire.
type progressEvent struct {
	TypeName        string             `json:"TypeName,omitempty"`
	Identifier      string             `json:"Identifier,omitempty"`
	RequestToken    string             `json:"RequestToken,omitempty"`
	Operation       string             `json:"Operation,omitempty"`
	OperationStatus string             `json:"OperationStatus,omitempty"`
	EventTime       *awswire.EpochTime `json:"EventTime,omitempty"`
	ResourceModel   string             `json:"ResourceModel,omitempty"`
	StatusMessage   string             `json:"StatusMessage,omitempty"`
	ErrorCode       string             `json:"ErrorCode,omitempty"`
}

func wireEvent(ev cloudcontrol.ProgressEvent) *progressEvent {
	out := &progressEvent{
		TypeName: ev.TypeName, Identifier: ev.Identifier, RequestToken: ev.RequestToken,
		Operation: ev.Operation, OperationStatus: ev.OperationStatus, ResourceModel: ev.ResourceModel,
		StatusMessage: ev.StatusMessage, ErrorCode: ev.ErrorCode,
	}
	if !ev.EventTime.IsZero() {
		t := awswire.EpochTime(ev.EventTime)
		out.EventTime = &t
	}
	return out
}

type progressOutput struct {
	ProgressEvent *progressEvent `json:"ProgressEvent"`
}

type resourceDescription struct {
	Identifier string `json:"Identifier"`
	Properties string `json:"Properties"`
}

// The request shapes carry every member of the model so that Decode keeps
// them; TypeVersionId and RoleArn are accepted and not used (idpool has no
// private types and calls its handlers itself).
type createInput struct {
	TypeName      string
	TypeVersionId string
	RoleArn       string
	ClientToken   string
	DesiredState  string
}

func (s *Server) createResource(ctx context.Context, decode func(any) error) (any, error) {
	var in createInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	ev, err := s.cfg.Service.CreateResource(ctx, cloudcontrol.CreateInput{TypeName: in.TypeName, DesiredState: in.DesiredState, ClientToken: in.ClientToken})
	if err != nil {
		return nil, err
	}
	return progressOutput{wireEvent(ev)}, nil
}

type getInput struct {
	TypeName      string
	TypeVersionId string
	RoleArn       string
	Identifier    string
}

func (s *Server) getResource(ctx context.Context, decode func(any) error) (any, error) {
	var in getInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	d, err := s.cfg.Service.GetResource(ctx, in.TypeName, in.Identifier)
	if err != nil {
		return nil, err
	}
	return struct {
		TypeName            string
		ResourceDescription resourceDescription
	}{in.TypeName, resourceDescription(d)}, nil
}

type updateInput struct {
	TypeName      string
	TypeVersionId string
	RoleArn       string
	ClientToken   string
	Identifier    string
	PatchDocument string
}

func (s *Server) updateResource(ctx context.Context, decode func(any) error) (any, error) {
	var in updateInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	ev, err := s.cfg.Service.UpdateResource(ctx, cloudcontrol.UpdateInput{
		TypeName: in.TypeName, Identifier: in.Identifier, PatchDocument: in.PatchDocument, ClientToken: in.ClientToken,
	})
	if err != nil {
		return nil, err
	}
	return progressOutput{wireEvent(ev)}, nil
}

type deleteInput struct {
	TypeName      string
	TypeVersionId string
	RoleArn       string
	ClientToken   string
	Identifier    string
}

func (s *Server) deleteResource(ctx context.Context, decode func(any) error) (any, error) {
	var in deleteInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	ev, err := s.cfg.Service.DeleteResource(ctx, cloudcontrol.DeleteInput{TypeName: in.TypeName, Identifier: in.Identifier, ClientToken: in.ClientToken})
	if err != nil {
		return nil, err
	}
	return progressOutput{wireEvent(ev)}, nil
}

type listInput struct {
	TypeName      string
	TypeVersionId string
	RoleArn       string
	NextToken     string
	MaxResults    int
	ResourceModel string
}

func (s *Server) listResources(ctx context.Context, decode func(any) error) (any, error) {
	var in listInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	ds, next, err := s.cfg.Service.ListResources(ctx, cloudcontrol.ListInput{
		TypeName: in.TypeName, ResourceModel: in.ResourceModel, NextToken: in.NextToken, MaxResults: in.MaxResults,
	})
	if err != nil {
		return nil, err
	}
	out := make([]resourceDescription, len(ds))
	for i, d := range ds {
		out[i] = resourceDescription(d)
	}
	return struct {
		TypeName             string
		ResourceDescriptions []resourceDescription
		NextToken            string `json:",omitempty"`
	}{in.TypeName, out, next}, nil
}

type tokenInput struct {
	RequestToken string
}

func (s *Server) getResourceRequestStatus(ctx context.Context, decode func(any) error) (any, error) {
	var in tokenInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	ev, err := s.cfg.Service.GetResourceRequestStatus(ctx, in.RequestToken)
	if err != nil {
		return nil, err
	}
	return progressOutput{wireEvent(ev)}, nil
}

func (s *Server) cancelResourceRequest(ctx context.Context, decode func(any) error) (any, error) {
	var in tokenInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	ev, err := s.cfg.Service.CancelResourceRequest(ctx, in.RequestToken)
	if err != nil {
		return nil, err
	}
	return progressOutput{wireEvent(ev)}, nil
}

type listRequestsInput struct {
	MaxResults                  int
	NextToken                   string
	ResourceRequestStatusFilter struct {
		Operations        []string
		OperationStatuses []string
	}
}

func (s *Server) listResourceRequests(ctx context.Context, decode func(any) error) (any, error) {
	var in listRequestsInput
	if err := decode(&in); err != nil {
		return nil, err
	}
	f := cloudcontrol.RequestFilter{
		Operations:        in.ResourceRequestStatusFilter.Operations,
		OperationStatuses: in.ResourceRequestStatusFilter.OperationStatuses,
	}
	evs, next, err := s.cfg.Service.ListResourceRequests(ctx, f, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := make([]*progressEvent, len(evs))
	for i, ev := range evs {
		out[i] = wireEvent(ev)
	}
	return struct {
		ResourceRequestStatusSummaries []*progressEvent
		NextToken                      string `json:",omitempty"`
	}{out, next}, nil
}
