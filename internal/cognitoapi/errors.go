package cognitoapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/idpool/idpool/internal/awsmodel"
	"github.com/idpool/idpool/internal/awswire"
	"github.com/idpool/idpool/internal/identity"
	"github.com/idpool/idpool/internal/sigv4"
)

// statusByCode is the one table from domain error codes to HTTP statuses.
// The live service answers 400 for every client error (SDKs map errors by
// __type), and 500 for InternalErrorException.
var statusByCode = map[identity.Code]int{
	identity.CodeInvalidParameter:               http.StatusBadRequest,
	identity.CodeNotAuthorized:                  http.StatusBadRequest,
	identity.CodeResourceNotFound:               http.StatusBadRequest,
	identity.CodeResourceConflict:               http.StatusBadRequest,
	identity.CodeTooManyRequests:                http.StatusBadRequest,
	identity.CodeLimitExceeded:                  http.StatusBadRequest,
	identity.CodeInvalidIdentityPoolConfig:      http.StatusBadRequest,
	identity.CodeDeveloperUserAlreadyRegistered: http.StatusBadRequest,
	identity.CodeConcurrentModification:         http.StatusBadRequest,
	identity.CodeExternalService:                http.StatusBadRequest,
	identity.CodeInternal:                       http.StatusInternalServerError,
}

// wireError turns any error into the envelope to send. Errors that are not
// known wire or domain errors are logged and sent as InternalErrorException.
func (s *Server) wireError(ctx context.Context, op string, err error) *awswire.Error {
	var (
		we  *awswire.Error
		de  *identity.Error
		se  *sigv4.Error
		ve  *awsmodel.ValidationError
		sre *awsmodel.SerializationError
	)
	switch {
	case errors.As(err, &we):
		return we
	case errors.As(err, &de):
		if st, ok := statusByCode[de.Code]; ok && de.Code != identity.CodeInternal {
			return &awswire.Error{Type: string(de.Code), Message: de.Message, Status: st}
		}
	case errors.As(err, &se):
		return &awswire.Error{Type: se.JSONType(), Message: se.Message, Status: http.StatusBadRequest}
	case errors.As(err, &ve):
		return &awswire.Error{Type: "ValidationException", Message: ve.Message(), Status: http.StatusBadRequest}
	case errors.As(err, &sre):
		return &awswire.Error{Type: sre.Type(), Message: sre.Message(), Status: http.StatusBadRequest, CapitalMessage: true}
	}
	s.cfg.Logger.ErrorContext(ctx, "internal error", "request_id", awswire.RequestID(ctx), "op", op, "err", err)
	return &awswire.Error{Type: string(identity.CodeInternal), Message: "An internal error occurred.", Status: http.StatusInternalServerError}
}
