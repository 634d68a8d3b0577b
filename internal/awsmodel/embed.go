package awsmodel

import (
	"embed"
	"fmt"
	"io/fs"
	"sync"
)

// models holds the botocore models copied verbatim from shared/models. Add
// another service by dropping its service-2.json here as
// "<service>-<apiVersion>.json".
//
//go:embed models/*.json
var models embed.FS

// Embedded parses the embedded model file name, e.g.
// "cognito-identity-2014-06-30.json". Each call parses afresh.
func Embedded(name string) (*Service, error) {
	data, err := models.ReadFile("models/" + name)
	if err != nil {
		return nil, fmt.Errorf("awsmodel: no embedded model %q: %w", name, err)
	}
	return Load(data)
}

// EmbeddedNames lists the embedded model files.
func EmbeddedNames() []string {
	names, _ := fs.Glob(models, "models/*.json")
	for i, n := range names {
		names[i] = n[len("models/"):]
	}
	return names
}

var cognitoIdentity = sync.OnceValue(func() *Service {
	s, err := Embedded("cognito-identity-2014-06-30.json")
	if err != nil {
		panic(err) // the embedded model is tested; this cannot happen
	}
	return s
})

// CognitoIdentity returns the embedded Amazon Cognito Identity model
// (API 2014-06-30), parsed once.
func CognitoIdentity() *Service { return cognitoIdentity() }
