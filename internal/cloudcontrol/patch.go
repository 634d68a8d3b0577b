package cloudcontrol

import (
	"encoding/json"
	"strings"

	jsonpatch "github.com/evanphx/json-patch/v5"
)

// applyPatch applies an RFC 6902 patch document to a model. Paths are
// relative to the model's properties; a path without its leading "/"
// ("IdentityPoolName", as Cloud Control's guide writes it) is read as
// "/IdentityPoolName". Any invalid operation, or a failing "test", refuses
// the whole patch.
func applyPatch(model map[string]any, doc string) (map[string]any, error) {
	var ops []map[string]any
	if err := json.Unmarshal([]byte(doc), &ops); err != nil {
		return nil, refuse("InvalidRequestException", "Invalid patch document: %v", err)
	}
	if len(ops) == 0 {
		return nil, refuse("InvalidRequestException", "Invalid patch document: the patch has no operations")
	}
	for _, op := range ops {
		for _, k := range []string{"path", "from"} {
			if p, ok := op[k].(string); ok && p != "" && !strings.HasPrefix(p, "/") {
				op[k] = "/" + p
			}
		}
	}
	normalized, err := json.Marshal(ops)
	if err != nil {
		return nil, refuse("InvalidRequestException", "Invalid patch document: %v", err)
	}
	patch, err := jsonpatch.DecodePatch(normalized)
	if err != nil {
		return nil, refuse("InvalidRequestException", "Invalid patch document: %v", err)
	}
	cur, err := json.Marshal(model)
	if err != nil {
		return nil, err
	}
	opts := jsonpatch.NewApplyOptions()
	opts.EnsurePathExistsOnAdd = false
	out, err := patch.ApplyWithOptions(cur, opts)
	if err != nil {
		return nil, refuse("InvalidRequestException", "Invalid patch document: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil || m == nil {
		return nil, refuse("InvalidRequestException", "Invalid patch document: the patched model is not a JSON object")
	}
	return m, nil
}
