package awswire

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
)

// QueryError is an error as the AWS Query protocol (STS, IAM) sends it in
// <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>.
type QueryError struct {
	Code    string
	Message string
	// Status is the HTTP status; 0 means 400.
	Status int
	// Type is "Sender" (default) or "Receiver".
	Type string
}

func (e *QueryError) Error() string { return e.Code + ": " + e.Message }

type queryErrorResponse struct {
	XMLName   xml.Name      `xml:"ErrorResponse"`
	Xmlns     string        `xml:"xmlns,attr"`
	Error     queryErrorXML `xml:"Error"`
	RequestID string        `xml:"RequestId"`
}

type queryErrorXML struct {
	Type    string `xml:"Type"`
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

// WriteQueryError writes e as a Query-protocol <ErrorResponse> in the
// service's XML namespace.
func WriteQueryError(w http.ResponseWriter, namespace, reqID string, e *QueryError) {
	typ := e.Type
	if typ == "" {
		typ = "Sender"
	}
	b, _ := xml.Marshal(queryErrorResponse{Xmlns: namespace, Error: queryErrorXML{Type: typ, Code: e.Code, Message: e.Message}, RequestID: reqID})
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// WriteQueryResult writes <ActionResponse>[result]<ResponseMetadata>
// <RequestId/></ResponseMetadata></ActionResponse>; result is an
// XML-marshalable <ActionResult> value, or nil for operations without
// output.
func WriteQueryResult(w http.ResponseWriter, namespace, reqID, action string, result any) {
	var buf strings.Builder
	buf.WriteString(`<` + action + `Response xmlns="` + namespace + `">`)
	if result != nil {
		inner, _ := xml.Marshal(result)
		buf.Write(inner)
	}
	buf.WriteString(`<ResponseMetadata><RequestId>` + reqID + `</RequestId></ResponseMetadata>`)
	buf.WriteString(`</` + action + `Response>`)
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(buf.String()))
}
